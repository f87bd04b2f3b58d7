"""The append-only audit trail: who did what, when, to which entity, with before/after.

Rows are only ever inserted; nothing in the studio updates or deletes them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextvars import ContextVar, Token
from datetime import datetime
from typing import Any, Literal, TypedDict, Unpack

from sqlmodel import Session, col, select

from studio.core.csvfiles import csv_text
from studio.core.models import AuditLog


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str | int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one audit row in the caller's transaction (so it commits with the change it logs).

    The row's ``origin`` is what :func:`set_origin` declared for this context (the CLI declares
    itself and the operating-system user running it).
    """
    entry = AuditLog(
        origin=_ORIGIN.get(),
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
    )
    session.add(entry)
    return entry


_ORIGIN: ContextVar[str] = ContextVar("studio_audit_origin", default="")


def set_origin(origin: str) -> Token[str]:
    """Declare how the following actions arrive (e.g. ``cli os_user=alice``); returns a token
    for :func:`reset_origin`."""
    return _ORIGIN.set(origin[:128])


def reset_origin(token: Token[str]) -> None:
    _ORIGIN.reset(token)


class AuditFilters(TypedDict, total=False):
    """Which audit rows to read (each one left out or ``None``: no filter); ``since`` is
    inclusive, ``until`` exclusive."""

    entity_type: str | None
    entity_id: str | int | None
    actor: str | None
    action: str | None
    since: datetime | None
    until: datetime | None


def list_entries(
    session: Session, *, limit: int = 1000, **filters: Unpack[AuditFilters]
) -> Sequence[AuditLog]:
    """Newest first; ``since`` inclusive, ``until`` exclusive.

    For the library's own use (it checks no permission): people read the log through
    :func:`studio.review.audit_trail.read_entries`, which requires ``view_audit``.
    """
    query = select(AuditLog)
    if entity_type := filters.get("entity_type"):
        query = query.where(AuditLog.entity_type == entity_type)
    if (entity_id := filters.get("entity_id")) is not None:
        query = query.where(AuditLog.entity_id == str(entity_id))
    if actor := filters.get("actor"):
        query = query.where(AuditLog.actor == actor)
    if action := filters.get("action"):
        query = query.where(AuditLog.action == action)
    if since := filters.get("since"):
        query = query.where(AuditLog.at >= since)
    if until := filters.get("until"):
        query = query.where(AuditLog.at < until)
    return session.exec(query.order_by(col(AuditLog.id).desc()).limit(limit)).all()


def distinct_values(
    session: Session, *, column: Literal["actor", "action", "entity_type"]
) -> list[str]:
    """Every value that ``column`` holds, sorted (for the audit page's filters)."""
    field = {
        "actor": AuditLog.actor,
        "action": AuditLog.action,
        "entity_type": AuditLog.entity_type,
    }[column]
    return sorted(str(v) for v in session.exec(select(field).distinct()).all())


def to_csv(entries: Sequence[AuditLog]) -> str:
    """CSV text of audit rows (before/after as JSON), oldest first; formulas neutralised."""
    header = [
        "id",
        "at",
        "actor",
        "origin",
        "action",
        "entity_type",
        "entity_id",
        "before",
        "after",
    ]
    return csv_text(
        header,
        (
            [
                e.id,
                e.at.isoformat(),
                e.actor,
                e.origin,
                e.action,
                e.entity_type,
                e.entity_id,
                json.dumps(e.before, sort_keys=True),
                json.dumps(e.after, sort_keys=True),
            ]
            for e in sorted(entries, key=lambda e: e.id or 0)
        ),
    )


def _jsonable(value: dict[str, Any]) -> dict[str, Any]:
    plain: dict[str, Any] = json.loads(json.dumps(value, default=str))
    return plain
