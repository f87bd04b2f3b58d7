"""The Gallery page in Streamlit's AppTest: filters, images and videos, rendering with progress."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from studio.core.database import get_engine
from studio.core.models import Asset, Role, User, Variant
from studio.core.settings import get_settings
from studio.imaging.gallery import gallery_items
from studio.imaging.render import RenderOptions, render_variants
from studio.jobs.executors import get_executor
from studio.jobs.worker import Worker
from studio.review import accounts as auth
from studio.ui.auth import SIGNIN_KEY
from tests.imaging.test_render import _variants

PAGE = "from studio.ui.pages.gallery import render\nrender()\n"


@pytest.fixture
def db(studio_env: dict[str, str]) -> Session:
    session = Session(get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False)
    for name, role in (("cara", Role.creative), ("mia", Role.marketer)):
        session.add(
            User(
                username=name,
                display_name=name.title(),
                role=role,
                password_hash=auth.hash_password("pw"),
            )
        )
    session.commit()
    return session


def _page(db: Session, username: str) -> AppTest:
    at = AppTest.from_string(PAGE, default_timeout=120)
    at.session_state[SIGNIN_KEY] = auth.start_session(
        auth.active_user(db, username=username), ttl_minutes=60
    )
    return at


def test_gallery_shows_images_and_videos_and_filters_by_qc(db: Session) -> None:
    ids = _variants(db)
    settings = get_settings()
    from studio.brand.guidelines import load_catalog

    render_variants(
        db,
        variant_ids=[ids["meta_feed"], ids["tiktok"]],
        catalog=load_catalog(settings.brand_dir),
        settings=settings,
        options=RenderOptions(scale=0.1, video_duration_s=6.0, fps=12, video_scenes=1),
        actor="cara",
    )
    db.commit()
    at = _page(db, "cara").run()
    assert not at.exception, at.exception
    # Thumbnails only: the three Meta sizes and the TikTok clip's frame; no video on the page.
    assert len(at.get("image")) == 4 and not at.get("video")
    thumbnails = sorted((Path(get_settings().asset_dir) / "thumbnails").iterdir())
    assert len(thumbnails) == 4 and all(p.suffix == ".jpg" for p in thumbnails)
    [video] = db.exec(select(Asset).where(Asset.kind == "video")).all()
    at.button(key=f"full:{video.id}").click().run()  # opens the playable clip full size
    assert not at.exception, at.exception
    assert len(at.get("video")) == 1
    assert any("QC failed" in m.value for m in at.markdown)
    assert any("video_size" in e.value for e in at.error), "the preview's size problem is listed"

    at.selectbox(key="gallery_qc").set_value("failed").run()
    assert [m.value for m in at.markdown if m.value.startswith("**#")] == [
        f"**#{ids['tiktok']} · Home baristas · TikTok in-feed ad** · Draft · ❌ QC failed · "
        "predicted CTR: not scored"
    ]
    at.selectbox(key="gallery_qc").set_value("not rendered").run()
    shown = {
        m.value.split(" · ")[2].split("**")[0] for m in at.markdown if m.value.startswith("**#")
    }
    assert shown == {"LinkedIn sponsored content (single image)"}
    at.selectbox(key="gallery_qc").set_value("all")
    at.multiselect(key="gallery_channels").set_value(["meta_feed"]).run()
    assert len([m for m in at.markdown if m.value.startswith("**#")]) == 1


def test_render_button_renders_with_progress_and_checks_permission(db: Session) -> None:
    ids = _variants(db)
    refused = _page(db, "mia").run()
    refused.multiselect(key="gallery_channels").set_value(["linkedin_sponsored"]).run()
    refused.radio(key="gallery_size").set_value("Preview (25 %)").run()
    refused.button(key="gallery_render").click().run()
    assert any("may not generate copy, images and videos" in e.value for e in refused.error)
    assert db.exec(select(Asset)).all() == []

    at = _page(db, "cara").run()
    at.multiselect(key="gallery_channels").set_value(["linkedin_sponsored"]).run()
    at.radio(key="gallery_size").set_value("Preview (25 %)").run()
    at.button(key="gallery_render").click().run()
    assert not at.exception, at.exception
    # The page queued a render job; the worker (beside the app) makes the files.
    assert db.exec(select(Asset)).all() == []
    Worker(get_settings().database_url, get_executor("local")).run(once=True)
    at.run()
    assert not at.exception, at.exception
    assert len(at.get("image")) == 2
    db.expire_all()
    items = gallery_items(db, brand="halden-coffee", channels=["linkedin_sponsored"])
    assert [len(i.assets) for i in items] == [2] and items[0].variant.id == ids[
        "linkedin_sponsored"
    ]


def test_unknown_qc_filter_is_explained(db: Session) -> None:
    with pytest.raises(
        ValueError, match="qc filter must be one of all, passed, failed, not rendered"
    ):
        gallery_items(db, brand="halden-coffee", qc="maybe")  # type: ignore[arg-type]


def test_gallery_sorts_and_filters_by_predicted_ctr(db: Session) -> None:
    ids = _variants(db)
    scores = {"meta_feed": 0.011, "linkedin_sponsored": 0.025, "tiktok": 0.018}
    for channel, ctr in scores.items():
        variant = db.get(Variant, ids[channel])
        variant.predicted_ctr = ctr
        db.add(variant)
    db.commit()
    best_first = gallery_items(db, brand="halden-coffee", order="predicted_ctr")
    assert [i.variant.predicted_ctr for i in best_first] == [0.025, 0.018, 0.011, None]
    kept = gallery_items(db, brand="halden-coffee", min_predicted_ctr=0.015)
    assert {i.variant.id for i in kept} == {ids["linkedin_sponsored"], ids["tiktok"]}

    at = _page(db, "cara").run()
    at.radio(key="gallery_sort").set_value("Predicted CTR, best first").run()
    at.number_input(key="gallery_min_ctr").set_value(1.5).run()
    assert not at.exception, at.exception
    shown = [m.value for m in at.markdown if m.value.startswith("**#")]
    assert (
        len(shown) == 2 and "predicted CTR 2.50%" in shown[0] and "predicted CTR 1.80%" in shown[1]
    )
