"""Media checked against each platform's spec at export: bitrate floor, sound, no upscaling."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from studio.export import ExportBlocked, ExportOptions, ExportScope, export
from studio.export import media as media_mod
from studio.export.base import ExportItem
from studio.export.tiktok import MEDIA as TIKTOK_MEDIA
from tests.export.conftest import add_video, encode_video, make_campaign, make_variant


@pytest.fixture(scope="module")
def silent_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 5.5 s, 540x960 H.264 MP4 without an audio track."""
    return encode_video(tmp_path_factory.mktemp("silent") / "silent.mp4", sound=False)


def test_tiktok_declares_its_bitrate_floor_and_sound():
    assert TIKTOK_MEDIA.video_min_kbps == 516  # "Bitrate: >= 516kbps" (TikTok video ads specs)
    assert TIKTOK_MEDIA.video_audio == "required"


def test_a_silent_video_is_refused_where_the_placement_plays_sound(
    session, people, tmp_path, asset_dir, silent_video
):
    campaign_id = make_campaign(session)
    variant = make_variant(session, campaign_id=campaign_id, channel="tiktok")
    add_video(session, variant_id=variant.id, asset_dir=asset_dir, source=silent_video)
    output = tmp_path / "tiktok.zip"
    with pytest.raises(ExportBlocked) as caught:
        export(
            session,
            platform="tiktok",
            scope=ExportScope.campaign(campaign_id),
            output=output,
            actor="mia",
            options=ExportOptions(worksheet=True),
            asset_dir=asset_dir,
        )
    (problem,) = caught.value.problems
    assert (problem.variant_id, problem.rule) == (variant.id, "video_audio")
    assert "no audio track" in problem.message
    assert not output.exists()


def test_a_video_under_the_bitrate_floor_is_refused(
    session, people, tmp_path, asset_dir, video_file
):
    campaign_id = make_campaign(session)
    variant = make_variant(session, campaign_id=campaign_id, channel="tiktok")
    asset = add_video(session, variant_id=variant.id, asset_dir=asset_dir, source=video_file)
    item = ExportItem(
        variant=variant, campaign=variant_campaign(session, campaign_id), assets=(asset,)
    )
    # The same encoder, held to a floor no 540x960 clip at constant quality reaches.
    rules = replace(TIKTOK_MEDIA, video_kbps=0, video_min_kbps=50_000)
    planned, problems = media_mod.plan_media(item, rules, "TikTok", asset_dir)
    assert problems == [] and len(planned) == 1
    done, problems = media_mod.prepare_media(planned, rules, "TikTok", asset_dir, tmp_path)
    assert done == []
    (problem,) = problems
    assert problem.rule == "video_bitrate" and "at least 50000 kb/s" in problem.message


def variant_campaign(session, campaign_id):
    from studio.copy import variants as variant_queries

    return variant_queries.get_campaign(session, campaign_id=campaign_id)
