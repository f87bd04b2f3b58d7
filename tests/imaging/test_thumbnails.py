"""Gallery thumbnails (small files made once per asset file) and gallery paging."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session

from studio.core.models import Asset, AssetKind
from studio.imaging.gallery import gallery_page
from studio.imaging.thumbnails import THUMBNAIL_PX, ThumbnailFailed, thumbnail, thumbnail_path
from tests import factories


def _image_asset(asset_dir: Path, size: tuple[int, int]) -> Asset:
    (asset_dir / "images").mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 120, 40)).save(asset_dir / "images" / "abc.png")
    return Asset(
        variant_id=1,
        kind=AssetKind.image,
        size_label=f"{size[0]}x{size[1]}",
        width=size[0],
        height=size[1],
        path="images/abc.png",
        sha256="abc",
        backend="offline",
        model="m",
        seed=1,
        prompt_hash="h",
    )


def test_a_thumbnail_is_small_and_made_once(tmp_path: Path):
    asset = _image_asset(tmp_path, (1080, 1920))
    made = thumbnail(tmp_path, asset)
    assert made == thumbnail_path(tmp_path, asset) and made.parent.name == "thumbnails"
    with Image.open(made) as small:
        assert small.format == "JPEG" and small.size == (180, THUMBNAIL_PX)
    stamp = made.stat().st_mtime_ns
    (tmp_path / "images" / "abc.png").unlink()  # the thumbnail no longer needs its source
    assert thumbnail(tmp_path, asset) == made and made.stat().st_mtime_ns == stamp


def test_a_missing_file_is_named(tmp_path: Path):
    asset = _image_asset(tmp_path, (64, 64))
    (tmp_path / "images" / "abc.png").unlink()
    with pytest.raises(ThumbnailFailed, match=r"file images/abc\.png is missing"):
        thumbnail(tmp_path, asset)
    with pytest.raises(ValueError, match="thumbnail size must be 16-2048 pixels; received 4"):
        thumbnail(tmp_path, asset, px=4)


def test_the_gallery_pages_through_every_match(session: Session):
    campaign_id = factories.make_campaign(session, name="Paged")
    made = [
        factories.make_variant(session, campaign_id=campaign_id, through_review=False).id
        for _ in range(27)
    ]
    session.commit()
    pages = [gallery_page(session, brand="halden-coffee", page=n, page_size=12) for n in (1, 2, 3)]
    assert [(p.total, p.pages, len(p.items)) for p in pages] == [
        (27, 3, 12),
        (27, 3, 12),
        (27, 3, 3),
    ]
    assert [i.variant.id for p in pages for i in p.items] == sorted(made, reverse=True)
    # A QC filter pages the same way (none of these has files: all "not rendered").
    unrendered = gallery_page(
        session, brand="halden-coffee", qc="not rendered", page=3, page_size=12
    )
    assert (unrendered.total, [i.variant.id for i in unrendered.items]) == (
        27,
        sorted(made)[:3][::-1],
    )
    assert gallery_page(session, brand="halden-coffee", qc="failed").total == 0
    with pytest.raises(ValueError, match="page and page_size start at 1"):
        gallery_page(session, brand="halden-coffee", page=0)
