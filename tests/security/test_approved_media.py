"""Class 2: media made after approval must never ship unreviewed.

Before: a creative could render an approved variant again and the new files went into the
export; the export took every asset row of the variant. Now:

* the ``approve`` move snapshots the variant's media (``Asset.approved_at``), and
  :func:`studio.review.workflow.approved_media` is the one place that says what an export takes;
* rendering an approved (or later) variant is refused (:class:`MediaFrozen`), and a render of a
  variant under review bumps its lock version, so a reviewer who opened it before the new files
  is told "changed since you opened it" instead of approving files they never saw;
* a file whose bytes changed on disk after it was recorded is refused at export.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from studio.brand.guidelines import BrandCatalog
from studio.core.models import Asset, Variant, VariantStatus
from studio.core.settings import Settings
from studio.export.base import ExportBlocked
from studio.export.pipeline import ExportScope, plan_export
from studio.imaging.render import RenderOptions, render_variants
from studio.review import workflow as review
from tests.export.conftest import add_image, make_campaign, make_variant
from tests.factories import export_zip, zip_manifest

PREVIEW = RenderOptions(scale=0.12, video=False)


def _approved_with_one_image(session: Session, asset_dir: Path) -> tuple[int, Variant, Asset]:
    """A campaign's variant with one 1080x1080 image, submitted by cara and approved by bea
    through the state machine (so the approval snapshots the image); committed."""
    campaign_id = make_campaign(session)
    variant = make_variant(session, campaign_id=campaign_id, status=VariantStatus.draft)
    image = add_image(
        session,
        variant_id=variant.id,
        asset_dir=asset_dir,
        width=1080,
        height=1080,
        approved=False,
    )
    review.submit(session, variant_id=variant.id, actor="cara")
    review.approve(session, variant_id=variant.id, actor="bea")
    session.commit()
    return campaign_id, variant, image


def test_a_file_recorded_after_approval_is_left_out_of_the_export(
    session: Session, people, tmp_path: Path
) -> None:
    asset_dir = tmp_path / "assets"
    campaign_id, variant, seen = _approved_with_one_image(session, asset_dir)
    # A file recorded after the approval (a raced render, a row written by hand).
    late = add_image(
        session,
        variant_id=variant.id,
        asset_dir=asset_dir,
        width=1080,
        height=1350,
        approved=False,
    )

    plan = plan_export(
        session, platform="meta", scope=ExportScope.campaign(campaign_id), asset_dir=asset_dir
    )
    assert [m.asset.id for m in plan.media] == [seen.id]
    [warning] = [w for w in plan.warnings if w.rule == "media_unapproved"]
    assert warning.location == f"asset {late.id}" and "made after the variant was approved" in str(
        warning.message
    )

    manifest = zip_manifest(
        export_zip(session, tmp_path, asset_dir, "meta", ExportScope.campaign(campaign_id))
    )
    [exported] = manifest["variants"]
    assert [a["asset_id"] for a in exported["assets"]] == [seen.id]


def test_rendering_an_approved_variant_is_refused_and_writes_nothing(
    session: Session, people, tmp_path: Path, catalog: BrandCatalog, database_url: str
) -> None:
    settings = Settings(database_url=database_url, asset_dir=tmp_path / "assets")
    campaign_id = make_campaign(session)
    variant = make_variant(session, campaign_id=campaign_id, status=VariantStatus.approved)
    lock = variant.lock_version
    with pytest.raises(review.MediaFrozen, match=r"is 'approved'.*frozen.*edit the copy"):
        render_variants(
            session,
            variant_ids=[variant.id],
            catalog=catalog,
            settings=settings,
            options=PREVIEW,
            actor="cara",
        )
    session.rollback()
    assert review.approved_media(session, variant_ids=[variant.id]) == []
    assert review.unapproved_media(session, variant_ids=[variant.id]) == []
    session.refresh(variant)
    assert variant.lock_version == lock


def test_a_render_while_in_review_makes_the_reviewers_open_copy_stale(
    session: Session, people, tmp_path: Path, catalog: BrandCatalog, database_url: str
) -> None:
    settings = Settings(database_url=database_url, asset_dir=tmp_path / "assets")
    campaign_id = make_campaign(session)
    variant = make_variant(session, campaign_id=campaign_id, status=VariantStatus.in_review)
    opened = variant.lock_version  # the reviewer opens the card: no media yet
    [report] = render_variants(
        session,
        variant_ids=[variant.id],
        catalog=catalog,
        settings=settings,
        options=PREVIEW,
        actor="cara",
    )
    session.commit()
    assert report.assets
    with pytest.raises(review.StaleVariant, match="changed since you opened it"):
        review.approve(session, variant_id=variant.id, actor="bea", expected_lock_version=opened)
    session.rollback()
    assert review.approved_media(session, variant_ids=[variant.id]) == []
    # Reopened, the reviewer sees the files and approves them: now they are the approved media.
    session.refresh(variant)
    review.approve(
        session, variant_id=variant.id, actor="bea", expected_lock_version=variant.lock_version
    )
    session.commit()
    approved = review.approved_media(session, variant_ids=[variant.id])
    assert sorted(a.id for a in approved) == sorted(a.id for a in report.assets)


def test_a_file_changed_on_disk_after_approval_is_refused(
    session: Session, people, tmp_path: Path
) -> None:
    asset_dir = tmp_path / "assets"
    campaign_id, _variant, asset = _approved_with_one_image(session, asset_dir)
    from PIL import Image

    Image.new("RGB", (1080, 1080), "red").save(asset_dir / asset.path, format="PNG")
    with pytest.raises(ExportBlocked) as caught:
        export_zip(session, tmp_path, asset_dir, "meta", ExportScope.campaign(campaign_id))
    assert [p.rule for p in caught.value.problems] == ["media_changed"]
    assert not (tmp_path / "meta.zip").exists()
