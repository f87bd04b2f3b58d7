"""What the gallery shows: variants with their images and videos, filtered by QC result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlmodel import Session

from studio.copy import variants as variant_crud
from studio.copy.variants import VariantOrder
from studio.core.errors import InvalidValue
from studio.core.models import Asset, Variant
from studio.imaging.formats import formats_for

QcState = Literal["passed", "failed", "not rendered", "no media"]
QcFilter = Literal["all", "passed", "failed", "not rendered"]
QC_FILTERS: tuple[str, ...] = get_args(QcFilter)


@dataclass(frozen=True)
class GalleryItem:
    """A variant and the files made for it."""

    variant: Variant
    assets: tuple[Asset, ...]

    @property
    def qc_state(self) -> QcState:
        """``no media`` for text-only channels; ``failed`` if any file fails any brand check."""
        if not formats_for(self.variant.channel):
            return "no media"
        if not self.assets:
            return "not rendered"
        return "passed" if all(a.qc_passed for a in self.assets) else "failed"

    @property
    def failed_checks(self) -> list[tuple[Asset, dict[str, object]]]:
        return [(a, c) for a in self.assets for c in a.qc if not c.get("passed", False)]


@dataclass(frozen=True)
class GalleryPage:
    """One page of the gallery: its items, and how many match in all."""

    items: list[GalleryItem]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _qc_state(channel: str, qc_lists: list[list[dict[str, object]]]) -> QcState:
    if not formats_for(channel):
        return "no media"
    if not qc_lists:
        return "not rendered"
    passed = all(check.get("passed", False) for qc in qc_lists for check in qc)
    return "passed" if passed else "failed"


def gallery_page(
    session: Session,
    *,
    brand: str,
    campaign_id: int | None = None,
    personas: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
    qc: QcFilter = "all",
    min_predicted_ctr: float | None = None,
    order: VariantOrder = "newest",
    page: int = 1,
    page_size: int = 12,
) -> GalleryPage:
    """Page ``page`` (from 1) of the variants with their assets (newest first, or best predicted
    CTR first with ``order="predicted_ctr"``), keeping those whose QC state matches ``qc`` and
    whose predicted CTR (a fraction) is at least ``min_predicted_ctr``; superseded revisions are
    left out. Only the page's variants and files are loaded; a QC filter first reads the ids,
    channels and QC results of every match (small columns), since a file's QC is JSON.

    Raises
    ------
    InvalidValue
        For a ``qc`` value other than :data:`QC_FILTERS`, or a page or page size below 1.
    """
    if qc not in QC_FILTERS:
        raise InvalidValue(f"qc filter must be one of {', '.join(QC_FILTERS)}; received {qc!r}")
    if page < 1 or page_size < 1:
        raise InvalidValue(
            f"page and page_size start at 1; received page={page}, page_size={page_size}"
        )
    filters: dict[str, Any] = dict(
        brand=brand,
        campaign_id=campaign_id,
        personas=personas,
        channels=channels,
        min_predicted_ctr=min_predicted_ctr,
        latest_only=True,
    )
    first = (page - 1) * page_size
    if qc == "all":
        total = variant_crud.count_variants(session, **filters)
        variants = list(
            variant_crud.list_variants(
                session, **filters, order=order, limit=page_size, offset=first
            )
        )
    else:
        keys = variant_crud.list_variant_keys(session, **filters, order=order)
        qc_lists = variant_crud.asset_qc_by_variant(session, variant_ids=[i for i, _ in keys])
        matching = [i for i, channel in keys if _qc_state(channel, qc_lists.get(i, [])) == qc]
        total = len(matching)
        variants = variant_crud.get_variants(
            session, variant_ids=matching[first : first + page_size]
        )
    assets: dict[int, list[Asset]] = {}
    for asset in variant_crud.list_assets(session, variant_ids=[v.id or 0 for v in variants]):
        assets.setdefault(asset.variant_id, []).append(asset)
    items = [GalleryItem(v, tuple(assets.get(v.id or 0, []))) for v in variants]
    return GalleryPage(items=items, total=total, page=page, page_size=page_size)


def gallery_items(
    session: Session,
    *,
    brand: str,
    campaign_id: int | None = None,
    personas: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
    qc: QcFilter = "all",
    min_predicted_ctr: float | None = None,
    order: VariantOrder = "newest",
    limit: int = 50,
) -> list[GalleryItem]:
    """The first ``limit`` items of :func:`gallery_page` (same filters and order)."""
    return gallery_page(
        session,
        brand=brand,
        campaign_id=campaign_id,
        personas=personas,
        channels=channels,
        qc=qc,
        min_predicted_ctr=min_predicted_ctr,
        order=order,
        page_size=limit,
    ).items
