"""Reading the audit log as a person: only roles with the ``view_audit`` permission may.

:mod:`studio.core.audit` writes and queries the log for the library itself (sign-in lockout,
"changed since you opened it", export manifests); people read it through these functions, so
the Audit page and any command obey the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Unpack

from sqlmodel import Session

from studio.core import audit
from studio.core.models import AuditLog
from studio.review.accounts import Permission, require


@dataclass(frozen=True)
class AuditFilterChoices:
    """Every value the log holds for each filter, sorted (for the Audit page's pickers)."""

    actors: list[str]
    actions: list[str]
    entity_types: list[str]


def filter_choices(session: Session, *, viewer: str) -> AuditFilterChoices:
    """What the log can be filtered by; ``viewer`` needs the ``view_audit`` permission."""
    require(session, username=viewer, permission=Permission.view_audit)
    return AuditFilterChoices(
        actors=audit.distinct_values(session, column="actor"),
        actions=audit.distinct_values(session, column="action"),
        entity_types=audit.distinct_values(session, column="entity_type"),
    )


def read_entries(
    session: Session, *, viewer: str, limit: int = 1000, **filters: Unpack[audit.AuditFilters]
) -> Sequence[AuditLog]:
    """Audit rows, newest first (``since`` inclusive, ``until`` exclusive), for ``viewer``.

    Raises
    ------
    AuthError
        ``viewer`` is unknown, deactivated or may not read the audit log (brand managers,
        marketers and admins may).
    """
    require(session, username=viewer, permission=Permission.view_audit)
    return audit.list_entries(session, limit=limit, **filters)
