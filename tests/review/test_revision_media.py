"""A revision keeps its parent's images and videos only while they show its copy; otherwise it
has none until rendered. Either way, nothing of it is exported before the revision is approved."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from studio.brand.guidelines import BrandCatalog
from studio.copy import variants as variant_queries
from studio.core import audit
from studio.core.database import get_engine
from studio.core.models import Variant, VariantStatus
from studio.core.settings import Settings
from studio.imaging.gallery import gallery_items
from studio.imaging.render import RenderOptions, render_variant
from studio.review import workflow as review
from tests import factories

S = VariantStatus
#: Small images and no video: enough to tell one file from another, quickly.
PREVIEW = RenderOptions(scale=0.12, video=False)


@pytest.fixture
def render(session: Session, catalog: BrandCatalog, brand_dir: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = Settings(brand_dir=brand_dir, asset_dir=tmp_path / "assets")

    def _render(variant: Variant) -> set[str]:
        report = render_variant(
            session,
            variant_id=variant.id or 0,
            catalog=catalog,
            settings=settings,
            options=PREVIEW,
            actor="cara",
        )
        session.commit()
        return {a.sha256 for a in report.assets}

    return _render


def _edit(session: Session, variant: Variant, catalog: BrandCatalog, **fields: str) -> Variant:
    revision = review.edit_variant(
        session,
        variant_id=variant.id or 0,
        actor="cara",
        fields=fields,
        guideline=catalog.get("halden-coffee").guideline,
    )
    session.commit()
    return revision


def _files(session: Session, variant: Variant) -> set[str]:
    return {a.sha256 for a in variant_queries.list_assets(session, variant_ids=[variant.id or 0])}


def test_a_revision_with_the_same_image_text_keeps_the_parents_media(
    session: Session, variant_factory, catalog: BrandCatalog, render
):
    parent = variant_factory(status=S.draft)
    rendered = render(parent)
    assert len(rendered) == 3  # the three Meta feed sizes

    revision = _edit(
        session, parent, catalog, primary_text="Roasted on Monday, at your door by Friday."
    )
    assert _files(session, revision) == rendered
    assert review.media_unchanged(parent, revision, catalog.get("halden-coffee").guideline)
    [edit] = audit.list_entries(session, action="variant.edit", limit=1)
    assert set(edit.after["media_kept_from_parent"]) == {s[:12] for s in rendered}
    # Shown in the gallery at once, but nothing goes out before the revision is approved.
    [item] = [
        i for i in gallery_items(session, brand="halden-coffee") if i.variant.id == revision.id
    ]
    assert item.qc_state != "not rendered"
    assert review.approved_media(session, variant_ids=[revision.id or 0]) == []
    factories.walk_to(session, variant_id=revision.id or 0, status=S.approved)
    session.commit()
    approved = review.approved_media(session, variant_ids=[revision.id or 0])
    assert {a.sha256 for a in approved} == rendered
    # The parent's own rows are untouched (still its record, never approved).
    assert review.approved_media(session, variant_ids=[parent.id or 0]) == []


@pytest.mark.parametrize(
    "change", [{"headline": "Fresh beans, every week"}, {"call_to_action": "LEARN_MORE"}]
)
def test_a_revision_with_new_image_text_waits_for_its_own_render(
    session: Session, variant_factory, catalog: BrandCatalog, render, change: dict[str, str]
):
    parent = variant_factory(status=S.changes_requested)
    old = render(parent)

    revision = _edit(session, parent, catalog, **change)
    assert not review.media_unchanged(parent, revision, catalog.get("halden-coffee").guideline)
    assert _files(session, revision) == set()
    [item] = [
        i for i in gallery_items(session, brand="halden-coffee") if i.variant.id == revision.id
    ]
    assert item.qc_state == "not rendered"

    new = render(revision)
    assert len(new) == 3 and not new & old  # the new text is drawn: other files
    assert _files(session, revision) == new


def _review_page() -> AppTest:
    return AppTest.from_string(
        "from studio.ui.pages.review import render\nrender()\n", default_timeout=120
    )


def test_the_review_card_says_media_are_not_rendered_yet_and_renders_them(
    studio_env: dict[str, str], sign_in, catalog: BrandCatalog
):
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False) as db:
        sign_in(_review_page(), "cara")  # adds the people
        campaign_id = factories.make_campaign(db, name="Spring")
        parent = factories.make_variant(
            db, campaign_id=campaign_id, status=S.changes_requested, through_review=False
        )
        db.commit()
        revision = _edit(db, parent, catalog, headline="Fresh beans, every week")
        factories.walk_to(db, variant_id=revision.id or 0, status=S.in_review)
        db.commit()
    key = f"render:{revision.id}"

    reviewer = sign_in(_review_page(), "bea").run()
    assert not reviewer.exception, reviewer.exception
    assert any(
        "Media not rendered yet (the headline or button changed" in i.value for i in reviewer.info
    )
    assert not [b for b in reviewer.button if b.key == key]  # a reviewer may not render

    creative = sign_in(_review_page(), "cara").run()
    assert any("Media not rendered yet" in i.value for i in creative.info)
    creative.button(key=key).click().run()
    assert not creative.exception, creative.exception
    assert any(f"Variant {revision.id}: rendered 3 file(s)." in s.value for s in creative.success)
    assert not any("Media not rendered yet" in i.value for i in creative.info)
    assert len(creative.get("image")) == 3
