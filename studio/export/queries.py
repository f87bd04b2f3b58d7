"""What the ad-platform exporters read (variants, campaigns, the arms of variants) and the export
records; a test, its arms, delivery and decisions come from :mod:`studio.experiments.queries`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from studio.core.models import (
    Arm,
    Campaign,
    ExportRecord,
    Variant,
    VariantStatus,
)


def list_campaign_variants(
    session: Session,
    *,
    campaign_id: int,
    channels: Sequence[str],
    statuses: Sequence[VariantStatus | str],
) -> Sequence[Variant]:
    """Variants of a campaign on the given channels in the given statuses, oldest first."""
    query = (
        select(Variant)
        .where(Variant.campaign_id == campaign_id)
        .where(col(Variant.channel).in_(list(channels)))
        .where(col(Variant.status).in_([str(s) for s in statuses]))
    )
    return session.exec(query.order_by(col(Variant.id))).all()


def count_campaign_statuses(
    session: Session, *, campaign_id: int, channels: Sequence[str]
) -> dict[str, int]:
    """How many of a campaign's variants on ``channels`` are in each status."""
    query = (
        select(Variant.status, func.count())
        .where(Variant.campaign_id == campaign_id)
        .where(col(Variant.channel).in_(list(channels)))
        .group_by(Variant.status)
    )
    return {str(status): int(n) for status, n in session.exec(query).all()}


def get_variants(session: Session, *, variant_ids: Sequence[int]) -> dict[int, Variant]:
    """The variants that exist among ``variant_ids``, by id (missing ids are simply absent)."""
    if not variant_ids:
        return {}
    rows = session.exec(select(Variant).where(col(Variant.id).in_(list(variant_ids)))).all()
    return {v.id: v for v in rows if v.id is not None}


def get_campaigns(session: Session, *, campaign_ids: Sequence[int]) -> dict[int, Campaign]:
    if not campaign_ids:
        return {}
    rows = session.exec(select(Campaign).where(col(Campaign.id).in_(list(set(campaign_ids))))).all()
    return {c.id: c for c in rows if c.id is not None}


def arms_for_variants(session: Session, *, variant_ids: Sequence[int]) -> Sequence[Arm]:
    """Every arm (in any test) that served one of ``variant_ids``."""
    if not variant_ids:
        return []
    query = select(Arm).where(col(Arm.variant_id).in_(list(variant_ids))).order_by(col(Arm.id))
    return session.exec(query).all()


def add_export_record(
    session: Session,
    *,
    platform: str,
    scope: str,
    file_name: str,
    sha256: str,
    variant_ids: Sequence[int],
    created_by: str,
) -> ExportRecord:
    record = ExportRecord(
        platform=platform,
        scope=scope,
        file_name=file_name,
        sha256=sha256,
        variant_ids=list(variant_ids),
        created_by=created_by,
    )
    session.add(record)
    session.flush()
    return record


def find_export_record(session: Session, *, file_name: str) -> ExportRecord | None:
    """The newest export recorded at ``file_name`` (an absolute path), if any."""
    query = (
        select(ExportRecord)
        .where(ExportRecord.file_name == file_name)
        .order_by(col(ExportRecord.id).desc())
    )
    return session.exec(query.limit(1)).first()


def list_export_records(
    session: Session, *, platform: str | None = None, limit: int = 50
) -> Sequence[ExportRecord]:
    """Newest first."""
    query = select(ExportRecord)
    if platform:
        query = query.where(ExportRecord.platform == platform)
    return session.exec(query.order_by(col(ExportRecord.id).desc()).limit(limit)).all()


def get_export_record(session: Session, *, export_id: int) -> ExportRecord | None:
    return session.get(ExportRecord, export_id)
