"""The render pipeline and ``studio render``: variants -> files with provenance -> Asset rows."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from studio.brand.guidelines import BrandCatalog
from studio.cli import app
from studio.copy import variants as variant_crud
from studio.core.database import get_engine, session_scope
from studio.core.models import Asset, AuditLog, Variant
from studio.core.progress import Progress
from studio.core.settings import Settings, get_settings
from studio.imaging.layouts import LAYOUT_NAMES
from studio.imaging.probe import probe_video
from studio.imaging.provenance import asset_path, read_png_provenance, read_video_provenance
from studio.imaging.render import (
    RenderOptions,
    ad_copy_for,
    cta_label,
    render_variants,
)
from studio.review import account_queries as user_queries
from tests.imaging.test_video import _tone
from tests.people import add_people

FIELDS = {
    "meta_feed": {
        "primary_text": "Fresh beans, roasted to order.",
        "headline": "Roasted within 48 hours",
        "call_to_action": "SHOP_NOW",
    },
    "linkedin_sponsored": {
        "intro_text": "Coffee for the office.",
        "headline": "Beans your team will queue for",
        "call_to_action": "LEARN_MORE",
    },
    "tiktok": {"ad_text": "Your first bag, roasted this week", "call_to_action": "ORDER_NOW"},
    "google_rsa": {
        "headlines": ["Fresh coffee", "Roasted to order", "Shop beans"],
        "descriptions": ["Roasted within 48 hours of shipping."],
    },
}

PREVIEW = RenderOptions(scale=0.12, video_duration_s=6.0, fps=12, video_scenes=2)


def _variants(
    session: Session, brand: str = "halden-coffee", persona: str = "home-baristas"
) -> dict[str, int]:
    """One variant per channel; the test accounts (tests.people) are added when missing."""
    if user_queries.find_user(session, username="cara") is None:
        add_people(session)
    campaign = variant_crud.create_campaign(
        session,
        brand=brand,
        name="Spring",
        objective="traffic",
        landing_url="https://haldencoffee.example",
        created_by="tester",
    )
    ids = {}
    for seed, (channel, fields) in enumerate(FIELDS.items()):
        variant = Variant(
            campaign_id=campaign.id or 0,
            brand=brand,
            persona=persona,
            channel=channel,
            fields=fields,
            backend="offline",
            model="test",
            seed=seed,
            prompt_template="copy.j2",
            prompt_hash="0" * 64,
            created_by="tester",
        )
        session.add(variant)
        session.flush()
        ids[channel] = variant.id or 0
    session.commit()
    return ids


@pytest.fixture
def settings(tmp_path: Path, brand_dir: Path, sqlite_url: str) -> Settings:
    return Settings(database_url=sqlite_url, brand_dir=brand_dir, asset_dir=tmp_path / "assets")


def test_each_channel_gets_its_sizes_with_provenance_qc_and_rows(
    settings: Settings, catalog: BrandCatalog, sqlite_url: str
) -> None:
    _tone(catalog.get("halden-coffee").root / "music.wav", seconds=2.0)  # the brand ships music
    steps: list[Progress] = []
    with Session(get_engine(sqlite_url)) as session:
        ids = _variants(session)
        reports = render_variants(
            session,
            variant_ids=list(ids.values()),
            catalog=catalog,
            settings=settings,
            options=PREVIEW,
            actor="cara",
            progress=steps.append,
        )
        session.commit()
        by_variant = {r.variant_id: r for r in reports}
        sizes = {
            channel: sorted((a.kind, a.width, a.height) for a in by_variant[vid].assets)
            for channel, vid in ids.items()
        }
        assert sizes["google_rsa"] == [] and by_variant[ids["google_rsa"]].skipped
        assert sizes["meta_feed"] == sorted(
            [("image", 130, 130), ("image", 130, 162), ("image", 130, 230)]
        )
        assert sizes["linkedin_sponsored"] == sorted([("image", 144, 76), ("image", 130, 130)])
        assert sizes["tiktok"] == [("video", 130, 230)]
        assert [s.done for s in steps] == [1, 2, 3, 4, 5, 6] and steps[-1].fraction == 1.0

        rows = session.exec(select(Asset)).all()
        assert len(rows) == 6
        for row in rows:
            path = asset_path(settings.asset_dir, row.path)
            assert hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256 == path.stem
            provenance = (
                read_png_provenance(path) if row.kind == "image" else read_video_provenance(path)
            )
            assert (provenance.seed, provenance.prompt_hash, provenance.ai_generated) == (
                row.seed,
                row.prompt_hash,
                False,
            )
            assert provenance.template == "image_background.j2"
            assert row.qc and {"rule", "passed", "message"} <= set(row.qc[0])
        video = next(r for r in rows if r.kind == "video")
        probe = probe_video(asset_path(settings.asset_dir, video.path))
        assert (
            probe.codec == "h264"
            and probe.audio_codec == "aac"
            and video.duration_s == pytest.approx(6.0)
        )
        failed = {c["rule"] for c in video.qc if not c["passed"]}
        assert failed == {"video_size"}, "a preview is below TikTok's 720x1280 and must say so"
        images = [r for r in rows if r.kind == "image"]
        assert all(
            c["passed"]
            for r in images
            for c in r.qc
            if c["rule"] in ("text_contrast", "logo_unobstructed")
        )
        audits = session.exec(select(AuditLog).where(AuditLog.action == "variant.render")).all()
        assert len(audits) == 3 and audits[0].actor == "cara"

        again = render_variants(
            session,
            variant_ids=[ids["meta_feed"]],
            catalog=catalog,
            settings=settings,
            options=PREVIEW,
            actor="cara",
        )
        assert [a.id for a in again[0].assets] == [
            a.id for a in by_variant[ids["meta_feed"]].assets
        ]
        assert len(session.exec(select(Asset)).all()) == 6, "the same render is recorded once"


def test_copy_for_the_image() -> None:
    assert cta_label("SHOP_NOW") == "Shop now"
    assert cta_label("Find your roast") == "Find your roast"


def test_variant_without_a_headline_is_explained(catalog: BrandCatalog, sqlite_url: str) -> None:
    with Session(get_engine(sqlite_url)) as session:
        ids = _variants(session)
        variant = variant_crud.get_variant(session, variant_id=ids["meta_feed"])
        variant.fields = {"primary_text": "only this"}
        with pytest.raises(ValueError, match=r"no text for the image headline; .*\(primary_text\)"):
            ad_copy_for(variant, catalog.get("halden-coffee"))


def test_cli_renders_a_campaign_and_explains_bad_arguments(studio_env: dict[str, str]) -> None:
    with session_scope(studio_env["STUDIO_DATABASE_URL"]) as session:
        ids = _variants(session)
        campaign_id = variant_crud.get_variant(session, variant_id=ids["meta_feed"]).campaign_id
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["render", "--campaign", str(campaign_id), "--scale", "0.1", "--no-video", "--as", "cara"],
    )
    assert result.exit_code == 0, result.output
    assert "[5/5]" in result.output
    assert "skipped, channel google_rsa takes no images or videos" in result.output
    assert "5 files for 4 variants" in result.output
    assert len(list((Path(get_settings().asset_dir) / "images").glob("*.png"))) == 5

    refused = runner.invoke(app, ["render", "--campaign", str(campaign_id), "--as", "mia"])
    assert refused.exit_code == 1 and "mia" in refused.output and "generate" in refused.output
    both = runner.invoke(app, ["render", "--campaign", "1", "--variant", "1", "--as", "cara"])
    assert both.exit_code == 1 and "either --variant ID" in both.output
    missing = runner.invoke(app, ["render", "--variant", "999", "--as", "cara"])
    assert (
        missing.exit_code == 1
        and "There is no variant with id 999. Nothing was recorded." in missing.output
    )
    bad = runner.invoke(app, ["render", "--variant", "1", "--duration", "20", "--as", "cara"])
    assert (
        bad.exit_code == 1 and "video_duration_s must be 6-15 seconds; received 20.0" in bad.output
    )


def test_a_set_of_variants_gets_distinct_layouts_and_the_button_reads_its_cta(
    settings: Settings, catalog: BrandCatalog, sqlite_url: str
) -> None:
    ctas = [
        "SHOP_NOW",
        "Find your roast",
        "LEARN_MORE",
        "SUBSCRIBE",
        "Get your first bag",
        "SIGN_UP",
    ]
    with Session(get_engine(sqlite_url)) as session:
        add_people(session)
        campaign = variant_crud.create_campaign(
            session,
            brand="halden-coffee",
            name="Layouts",
            objective="traffic",
            landing_url="https://haldencoffee.example",
            created_by="tester",
        )
        ids = []
        for seed, cta in enumerate(ctas):
            variant = Variant(
                campaign_id=campaign.id or 0,
                brand="halden-coffee",
                persona="home-baristas",
                channel="linkedin_sponsored",
                fields={
                    "intro_text": "x",
                    "headline": f"Roasted to order {seed}",
                    "call_to_action": cta,
                },
                backend="offline",
                model="test",
                seed=seed,
                prompt_template="copy.j2",
                prompt_hash="0" * 64,
                created_by="tester",
            )
            session.add(variant)
            session.flush()
            ids.append(variant.id or 0)
        session.commit()
        reports = render_variants(
            session,
            variant_ids=ids,
            catalog=catalog,
            settings=settings,
            options=RenderOptions(scale=0.25, video=False),
            actor="cara",
        )
        session.commit()
        layouts = [r.layout for r in reports]
        assert sorted(layouts) == sorted(LAYOUT_NAMES), "six variants, six different layouts"
        for report, cta in zip(reports, ctas, strict=True):
            for asset in report.assets:
                checks = {c["rule"]: c for c in asset.qc}
                assert checks["cta_text"]["passed"], checks["cta_text"]["message"]
                assert repr(cta_label(cta)) in checks["cta_text"]["message"]
                assert checks["text_overlap"]["passed"], checks["text_overlap"]["message"]
                assert report.layout in checks["text_overlap"]["message"]
        # Alone, a variant keeps the layout it had in its set.
        alone = render_variants(
            session,
            variant_ids=[ids[3]],
            catalog=catalog,
            settings=settings,
            options=RenderOptions(scale=0.25, video=False),
            actor="cara",
        )
        assert alone[0].layout == layouts[3]
        with pytest.raises(ValueError, match="layout must be one of full_bleed"):
            RenderOptions(layout="collage")
