"""What the gallery shows: variants with their images and videos, filtered by QC result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

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
    """Variants with their assets (newest first, or best predicted CTR first with
    ``order="predicted_ctr"``), keeping those whose QC state matches ``qc`` and whose predicted
    CTR (a fraction) is at least ``min_predicted_ctr``; superseded revisions are left out.

    Raises
    ------
    ValueError
        For a ``qc`` value other than :data:`QC_FILTERS`.
    """
    if qc not in QC_FILTERS:
        raise InvalidValue(f"qc filter must be one of {', '.join(QC_FILTERS)}; received {qc!r}")
    variants = variant_crud.list_variants(
        session,
        brand=brand,
        campaign_id=campaign_id,
        personas=personas,
        channels=channels,
        min_predicted_ctr=min_predicted_ctr,
        latest_only=True,
        order=order,
        limit=2000,
    )
    assets: dict[int, list[Asset]] = {}
    for asset in variant_crud.list_assets(session, variant_ids=[v.id or 0 for v in variants]):
        assets.setdefault(asset.variant_id, []).append(asset)
    items = [GalleryItem(v, tuple(assets.get(v.id or 0, []))) for v in variants]
    if qc != "all":
        items = [item for item in items if item.qc_state == qc]
    return items[:limit]
