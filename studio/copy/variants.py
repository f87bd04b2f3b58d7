"""Campaigns, variants and their assets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypedDict, TypeVar, Unpack

from sqlalchemy import exists, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql._expression_select_cls import SelectBase

from studio.core.errors import NotFound
from studio.core.models import Asset, Campaign, Variant, VariantStatus

VariantOrder = Literal["newest", "predicted_ctr"]
#: Ids per ``IN (...)`` list: SQLite refuses statements with very many parameters.
_IN_CHUNK = 900
_Query = TypeVar("_Query", bound=SelectBase[*tuple[Any, ...]])


def create_campaign(
    session: Session,
    *,
    brand: str,
    name: str,
    objective: str,
    landing_url: str,
    created_by: str,
    offer: str = "",
) -> Campaign:
    campaign = Campaign(
        brand=brand,
        name=name,
        objective=objective,
        offer=offer,
        landing_url=landing_url,
        created_by=created_by,
    )
    session.add(campaign)
    session.flush()
    return campaign


def get_campaign(session: Session, *, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("campaign with id", campaign_id)
    return campaign


def list_campaigns(session: Session, *, brand: str | None = None) -> Sequence[Campaign]:
    query = select(Campaign)
    if brand:
        query = query.where(Campaign.brand == brand)
    return session.exec(query.order_by(col(Campaign.id).desc())).all()


def get_variant(session: Session, *, variant_id: int) -> Variant:
    variant = session.get(Variant, variant_id)
    if variant is None:
        raise NotFound("variant with id", variant_id)
    return variant


class VariantFilters(TypedDict, total=False):
    """The filters every variant list and count takes (each one left out: no filter)."""

    brand: str | None
    campaign_id: int | None
    personas: Sequence[str] | None
    channels: Sequence[str] | None
    statuses: Sequence[VariantStatus | str] | None
    min_predicted_ctr: float | None
    #: Leave out revisions that an edit has superseded (what reviewers see).
    latest_only: bool


def _filtered(query: _Query, filters: VariantFilters) -> _Query:
    """``query`` narrowed by ``filters``: the one place the variant filters become SQL."""
    if brand := filters.get("brand"):
        query = query.where(Variant.brand == brand)
    if (campaign_id := filters.get("campaign_id")) is not None:
        query = query.where(Variant.campaign_id == campaign_id)
    if personas := filters.get("personas"):
        query = query.where(col(Variant.persona).in_(list(personas)))
    if channels := filters.get("channels"):
        query = query.where(col(Variant.channel).in_(list(channels)))
    if statuses := filters.get("statuses"):
        query = query.where(col(Variant.status).in_([str(s) for s in statuses]))
    if (min_ctr := filters.get("min_predicted_ctr")) is not None:
        query = query.where(col(Variant.predicted_ctr) >= min_ctr)
    if filters.get("latest_only"):  # not superseded by an edit (a revision whose parent it is)
        child = aliased(Variant)
        query = query.where(~exists().where(col(child.parent_id) == col(Variant.id)))
    return query


def _ordered(query: _Query, order: VariantOrder) -> _Query:
    if order == "predicted_ctr":
        return query.order_by(
            col(Variant.predicted_ctr).desc().nulls_last(), col(Variant.id).desc()
        )
    return query.order_by(col(Variant.id).desc())


def list_variants(
    session: Session,
    *,
    order: VariantOrder = "newest",
    limit: int = 200,
    offset: int = 0,
    **filters: Unpack[VariantFilters],
) -> Sequence[Variant]:
    """Variants matching every given filter (:class:`VariantFilters`), ``limit`` of them from
    ``offset``; ``order="predicted_ctr"`` puts the best first."""
    query = _ordered(_filtered(select(Variant), filters), order)
    return session.exec(query.offset(offset).limit(limit)).all()


def list_variant_keys(
    session: Session, *, order: VariantOrder = "newest", **filters: Unpack[VariantFilters]
) -> list[tuple[int, str]]:
    """``(id, channel)`` of every variant :func:`list_variants` would list, in its order.

    Two small columns, for a list that must be filtered on something SQL cannot see (the
    gallery's QC state) before one page of whole rows is loaded with :func:`get_variants`.
    """
    query = _ordered(_filtered(select(Variant.id, Variant.channel), filters), order)
    return [(int(i or 0), str(c)) for i, c in session.exec(query).all()]  # ids are never null


def get_variants(session: Session, *, variant_ids: Sequence[int]) -> list[Variant]:
    """The variants with these ids, in the order given (ids that do not exist are skipped)."""
    if not variant_ids:
        return []
    rows = session.exec(select(Variant).where(col(Variant.id).in_(list(variant_ids)))).all()
    by_id = {v.id: v for v in rows}
    return [by_id[i] for i in variant_ids if i in by_id]


def count_variants(session: Session, **filters: Unpack[VariantFilters]) -> int:
    """How many variants :func:`list_variants` would list without a limit."""
    query = _filtered(select(func.count()).select_from(Variant), filters)
    return int(session.exec(query).one())


def count_by_status(session: Session, *, brand: str | None = None) -> dict[str, int]:
    """How many variants are in each status (latest revisions only: an edit supersedes its parent)."""
    query = _filtered(
        select(Variant.status, func.count()), VariantFilters(brand=brand, latest_only=True)
    ).group_by(Variant.status)
    return {str(status): int(n) for status, n in session.exec(query).all()}


def list_assets(session: Session, *, variant_ids: Sequence[int]) -> Sequence[Asset]:
    if not variant_ids:
        return []
    query = select(Asset).where(col(Asset.variant_id).in_(list(variant_ids)))
    return session.exec(query.order_by(col(Asset.id))).all()


def variants_with_prompt(
    session: Session,
    *,
    brand: str,
    persona: str,
    channel: str,
    prompt: str,
    seeds: range,
) -> Sequence[Variant]:
    """Variants of ``brand`` x ``persona`` x ``channel`` written from exactly this rendered
    ``prompt`` with one of ``seeds`` (how a repeated brief is found), oldest first."""
    query = select(Variant).where(
        Variant.brand == brand,
        Variant.persona == persona,
        Variant.channel == channel,
        Variant.prompt == prompt,
        col(Variant.seed) >= seeds.start,
        col(Variant.seed) < seeds.stop,
    )
    return session.exec(query.order_by(col(Variant.id))).all()


def asset_qc_by_variant(
    session: Session, *, variant_ids: Sequence[int]
) -> dict[int, list[list[dict[str, Any]]]]:
    """Each variant's files' QC results (one list of checks per file); no entry: no files."""
    found: dict[int, list[list[dict[str, Any]]]] = {}
    ids = list(variant_ids)
    for start in range(0, len(ids), _IN_CHUNK):
        query = select(Asset.variant_id, Asset.qc).where(
            col(Asset.variant_id).in_(ids[start : start + _IN_CHUNK])
        )
        for variant_id, qc in session.exec(query).all():
            found.setdefault(int(variant_id), []).append(list(qc))
    return found
