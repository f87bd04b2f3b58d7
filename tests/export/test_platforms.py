"""Each platform's file: its column list, how a variant fills a row, its media, and its limits."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session

from studio.copy.channels import CHANNELS
from studio.export import ExportBlocked, ExportOptions, ExportScope, RsaPins, export, plan_export
from studio.export.sheets import read_csv
from studio.imaging.probe import probe_video
from tests.export.conftest import FIELDS, add_image, add_video, make_campaign, make_variant

#: The issue's and the platforms' column names, written out independently of studio.export.
GOOGLE_COLUMNS = (
    ["Campaign", "Ad group", "Ad type", "Ad status"]
    + [f"Headline {i}" for i in range(1, 16)]
    + [f"Headline {i} position" for i in range(1, 16)]
    + [f"Description {i}" for i in range(1, 5)]
    + [f"Description {i} position" for i in range(1, 5)]
    + ["Path 1", "Path 2", "Final URL"]
)
META_COLUMNS = [
    "Campaign Name",
    "Campaign Status",
    "Campaign Objective",
    "Buying Type",
    "Ad Set Name",
    "Ad Set Run Status",
    "Ad Name",
    "Ad Status",
    "Title",
    "Body",
    "Link Description",
    "Link",
    "Call to Action",
    "Image File Name",
    "Video File Name",
]
LINKEDIN_COLUMNS = [
    "Campaign Group Name",
    "Campaign Name",
    "Campaign Objective",
    "Ad Format",
    "Ad Name",
    "Ad Status",
    "Introductory Text",
    "Headline",
    "Destination URL",
    "Call to Action",
    "Image File Name",
    "Video File Name",
]
TIKTOK_COLUMNS = [
    "Campaign Name",
    "Advertising Objective",
    "Ad Group Name",
    "Ad Name",
    "Ad Status",
    "Ad Format",
    "Ad Text",
    "Call to Action",
    "Landing Page URL",
    "Video File Name",
]


def open_zip(path: Path) -> tuple[list[str], list[dict[str, str]], dict, zipfile.ZipFile]:
    archive = zipfile.ZipFile(path)
    manifest = json.loads(archive.read("manifest.json"))
    raw = archive.read(manifest["sheet"]["file"])
    assert raw.startswith(b"\xef\xbb\xbf"), "sheets are UTF-8 with a BOM so Excel reads accents"
    header = raw.decode("utf-8-sig").splitlines()[0]
    columns = [c.strip('"') for c in header.split('","')]
    return columns, read_csv(raw), manifest, archive


def run(
    session: Session,
    tmp_path: Path,
    asset_dir: Path,
    platform: str,
    scope: ExportScope,
    options: ExportOptions | None = None,
) -> Path:
    output = tmp_path / f"{platform}.zip"
    export(
        session,
        platform=platform,
        scope=scope,
        output=output,
        actor="mia",
        options=options,
        asset_dir=asset_dir,
    )
    session.commit()
    return output


# --------------------------------------------------------------------------------------------
# Google Ads Editor
# --------------------------------------------------------------------------------------------


def test_google_sheet_has_editor_columns_and_one_row_per_variant(
    session, people, tmp_path, asset_dir
):
    campaign_id = make_campaign(session)
    first = make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    fields = dict(
        FIELDS["google_rsa"],
        headlines=[f"Headline text {i}" for i in range(15)],
        descriptions=[f"Description text number {i}." for i in range(4)],
    )
    second = make_variant(
        session, campaign_id=campaign_id, channel="google_rsa", fields=fields, persona="gift-buyers"
    )
    make_variant(
        session, campaign_id=campaign_id, channel="meta_feed"
    )  # another platform: not exported
    options = ExportOptions(pins={second.id: RsaPins(headlines={0: 1, 1: 2}, descriptions={3: 1})})
    path = run(
        session, tmp_path, asset_dir, "google_ads", ExportScope.campaign(campaign_id), options
    )

    columns, rows, manifest, archive = open_zip(path)
    assert columns == GOOGLE_COLUMNS
    assert [v["id"] for v in manifest["variants"]] == [first.id, second.id]
    assert len(rows) == 2
    one, two = rows
    assert one["Campaign"] == "Spring subscriptions"
    assert one["Ad group"] == "Spring subscriptions | home-baristas"
    assert one["Ad type"] == "Responsive search ad"
    assert one["Ad status"] == "Paused"
    assert [one[f"Headline {i}"] for i in (1, 2, 3)] == FIELDS["google_rsa"]["headlines"]
    assert one["Headline 4"] == "" and one["Headline 1 position"] == ""
    assert one["Description 2"] == FIELDS["google_rsa"]["descriptions"][1]
    assert (one["Path 1"], one["Path 2"]) == ("coffee", "subscribe")
    assert one["Final URL"] == "https://haldencoffee.example/spring"
    assert (
        two["Headline 15"] == "Headline text 14"
        and two["Description 4"] == "Description text number 3."
    )
    assert (two["Headline 1 position"], two["Headline 2 position"], two["Headline 3 position"]) == (
        "1",
        "2",
        "",
    )
    assert two["Description 4 position"] == "1"
    assert [n for n in archive.namelist() if n.startswith("media/")] == []  # text-only ads


def test_google_limits_come_from_the_channel_table(session, people, asset_dir):
    spec = CHANNELS["google_rsa"]
    assert spec.field("headlines").max_length == 30 and spec.field("descriptions").max_count == 4
    campaign_id = make_campaign(session)
    too_long = "x" * 31
    variant = make_variant(
        session,
        campaign_id=campaign_id,
        channel="google_rsa",
        fields=dict(
            FIELDS["google_rsa"], headlines=["Fresh beans", too_long, "Fresh beans"], path1="a" * 16
        ),
    )
    plan = plan_export(
        session, platform="google_ads", scope=ExportScope.campaign(campaign_id), asset_dir=asset_dir
    )
    found = {(p.variant_id, p.location, p.rule) for p in plan.problems}
    assert (variant.id, "headlines[1]", "max_length") in found
    assert (variant.id, "headlines[2]", "distinct") in found
    assert (variant.id, "path1", "max_length") in found
    assert plan.rows == ()
    message = next(p.message for p in plan.problems if p.location == "headlines[1]")
    assert "31 characters" in message and "at most 30" in message


def test_google_pins_are_checked(session, people, asset_dir):
    campaign_id = make_campaign(session)
    variant = make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    pins = RsaPins(headlines={0: 1, 1: 1, 2: 1, 7: 2}, descriptions={0: 3})
    plan = plan_export(
        session,
        platform="google_ads",
        scope=ExportScope.campaign(campaign_id),
        options=ExportOptions(pins={variant.id: pins}),
        asset_dir=asset_dir,
    )
    rules = sorted(p.rule for p in plan.problems)
    assert rules == ["pin_index", "pin_position"]  # index 8 of 3; description position 3
    plan = plan_export(
        session,
        platform="google_ads",
        scope=ExportScope.campaign(campaign_id),
        options=ExportOptions(pins={variant.id: RsaPins(headlines={0: 1, 1: 1, 2: 3})}),
        asset_dir=asset_dir,
    )
    assert [p.rule for p in plan.problems] == ["pin_coverage"]
    assert "position 2" in plan.problems[0].message


# --------------------------------------------------------------------------------------------
# Meta Ads Manager
# --------------------------------------------------------------------------------------------


def test_meta_sheet_columns_enum_cta_paused_and_resized_image(session, people, tmp_path, asset_dir):
    campaign_id = make_campaign(session, objective="sales")
    variant = make_variant(session, campaign_id=campaign_id, channel="meta_feed")
    square = add_image(session, variant_id=variant.id, asset_dir=asset_dir, width=1024, height=1024)
    story = add_image(session, variant_id=variant.id, asset_dir=asset_dir, width=720, height=1280)
    path = run(session, tmp_path, asset_dir, "meta", ExportScope.campaign(campaign_id))

    columns, rows, _manifest, archive = open_zip(path)
    assert columns == META_COLUMNS
    (row,) = rows
    assert row["Campaign Status"] == row["Ad Set Run Status"] == row["Ad Status"] == "PAUSED"
    assert row["Campaign Objective"] == "Outcome Sales"
    assert row["Title"] == FIELDS["meta_feed"]["headline"]
    assert row["Body"] == FIELDS["meta_feed"]["primary_text"]
    assert row["Link Description"] == FIELDS["meta_feed"]["description"]
    assert row["Call to Action"] == "SHOP_NOW"
    assert row["Link"] == "https://haldencoffee.example/spring"
    assert row["Ad Name"] == f"Spring subscriptions | home-baristas | v{variant.id}"
    assert row["Video File Name"] == ""
    image_name = row["Image File Name"]
    assert (
        image_name == f"v{variant.id}-a{square.id}-1080x1080.jpg"
    )  # 1:1 is preferred in the sheet
    with Image.open(io.BytesIO(archive.read(f"media/{image_name}"))) as image:
        assert (image.format, image.size) == ("JPEG", (1080, 1080))
        assert "offline-renderer-1" in image.getexif()[0x010E]
    with Image.open(
        io.BytesIO(archive.read(f"media/v{variant.id}-a{story.id}-1080x1920.jpg"))
    ) as image:
        assert image.size == (1080, 1920)


def test_meta_refuses_a_wrong_cta_and_a_variant_without_media(session, people, asset_dir):
    campaign_id = make_campaign(session)
    wrong_cta = make_variant(
        session,
        campaign_id=campaign_id,
        channel="meta_feed",
        fields=dict(FIELDS["meta_feed"], call_to_action="Shop now"),
    )
    add_image(session, variant_id=wrong_cta.id, asset_dir=asset_dir, width=1080, height=1080)
    no_media = make_variant(session, campaign_id=campaign_id, channel="meta_feed")
    plan = plan_export(
        session, platform="meta", scope=ExportScope.campaign(campaign_id), asset_dir=asset_dir
    )
    found = {(p.variant_id, p.rule) for p in plan.problems}
    assert found == {(wrong_cta.id, "choice"), (no_media.id, "media_missing")}
    choice = next(p for p in plan.problems if p.rule == "choice")
    assert "SHOP_NOW" in choice.message and "'Shop now'" in choice.message
    with pytest.raises(ExportBlocked) as caught:
        export(
            session,
            platform="meta",
            scope=ExportScope.campaign(campaign_id),
            output=asset_dir / "meta.zip",
            actor="mia",
            asset_dir=asset_dir,
        )
    assert len(caught.value.problems) == 2
    assert f"variant {no_media.id}" in str(caught.value) and "nothing was written" in str(
        caught.value
    )
    assert not (asset_dir / "meta.zip").exists()


def test_meta_media_checks_size_aspect_and_qc(session, people, asset_dir):
    campaign_id = make_campaign(session)
    variant = make_variant(session, campaign_id=campaign_id, channel="meta_feed")
    add_image(
        session, variant_id=variant.id, asset_dir=asset_dir, width=400, height=400
    )  # too small
    add_image(
        session, variant_id=variant.id, asset_dir=asset_dir, width=1500, height=500
    )  # 3:1, unused
    add_image(
        session,
        variant_id=variant.id,
        asset_dir=asset_dir,
        width=1080,
        height=1350,
        qc=[
            {
                "rule": "logo_clear_space",
                "element": "logo",
                "passed": False,
                "message": "logo crowds the headline",
            }
        ],
    )
    plan = plan_export(
        session, platform="meta", scope=ExportScope.campaign(campaign_id), asset_dir=asset_dir
    )
    assert sorted(p.rule for p in plan.problems) == ["media_qc", "media_too_small"]
    assert any("600x600" in p.message for p in plan.problems)
    assert any("logo crowds the headline" in p.message for p in plan.problems)
    assert [w.rule for w in plan.warnings if w.rule.startswith("media")] == ["media_aspect"]


# --------------------------------------------------------------------------------------------
# LinkedIn Campaign Manager
# --------------------------------------------------------------------------------------------


def test_linkedin_sheet_and_landscape_image(session, people, tmp_path, asset_dir):
    campaign_id = make_campaign(session, objective="leads")
    variant = make_variant(
        session, campaign_id=campaign_id, channel="linkedin_sponsored", persona="office-managers"
    )
    landscape = add_image(
        session, variant_id=variant.id, asset_dir=asset_dir, width=1910, height=1000
    )
    path = run(session, tmp_path, asset_dir, "linkedin", ExportScope.campaign(campaign_id))
    columns, rows, manifest, archive = open_zip(path)
    assert columns == LINKEDIN_COLUMNS
    (row,) = rows
    assert row["Introductory Text"] == FIELDS["linkedin_sponsored"]["intro_text"]
    assert row["Headline"] == FIELDS["linkedin_sponsored"]["headline"]
    assert row["Call to Action"] == "LEARN_MORE"
    assert row["Campaign Objective"] == "Lead generation"
    assert row["Ad Format"] == "Single image" and row["Ad Status"] == "Paused"
    assert row["Destination URL"] == "https://haldencoffee.example/spring"
    data = archive.read(f"media/{row['Image File Name']}")
    assert len(data) <= 5 * 2**20
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (1200, 628)
    assert manifest["variants"][0]["assets"][0]["asset_id"] == landscape.id


def test_linkedin_refuses_an_objective_it_does_not_have_and_a_long_intro(
    session, people, asset_dir
):
    campaign_id = make_campaign(session, objective="app_installs")
    variant = make_variant(
        session,
        campaign_id=campaign_id,
        channel="linkedin_sponsored",
        fields=dict(FIELDS["linkedin_sponsored"], intro_text="word " * 121),
    )
    add_image(session, variant_id=variant.id, asset_dir=asset_dir, width=1200, height=628)
    plan = plan_export(
        session, platform="linkedin", scope=ExportScope.campaign(campaign_id), asset_dir=asset_dir
    )
    assert {p.rule for p in plan.problems} == {"objective", "max_length", "whitespace"}
    assert any(
        "Lead generation" not in p.message and "app_installs" in p.message for p in plan.problems
    )


# --------------------------------------------------------------------------------------------
# TikTok Ads Manager
# --------------------------------------------------------------------------------------------


def test_tiktok_sheet_and_video_encoded_to_spec(sqlite_url, tmp_path, asset_dir, video_file):
    from studio.core.database import get_engine
    from tests.export.conftest import add_people

    with Session(get_engine(sqlite_url), expire_on_commit=False) as session:
        add_people(session)
        campaign_id = make_campaign(session, objective="awareness")
        variant = make_variant(session, campaign_id=campaign_id, channel="tiktok")
        add_video(session, variant_id=variant.id, asset_dir=asset_dir, source=video_file)
        add_image(session, variant_id=variant.id, asset_dir=asset_dir, width=1080, height=1080)
        path = run(session, tmp_path, asset_dir, "tiktok", ExportScope.campaign(campaign_id))

    columns, rows, manifest, archive = open_zip(path)
    assert columns == TIKTOK_COLUMNS
    (row,) = rows
    assert row["Ad Text"] == FIELDS["tiktok"]["ad_text"]
    assert row["Advertising Objective"] == "Reach" and row["Ad Status"] == "DISABLE"
    assert row["Ad Format"] == "Single Video" and row["Call to Action"] == "SHOP_NOW"
    video_name = row["Video File Name"]
    extracted = tmp_path / video_name
    extracted.write_bytes(archive.read(f"media/{video_name}"))
    probe = probe_video(extracted)
    assert (probe.codec, probe.pix_fmt, probe.width, probe.height) == (
        "h264",
        "yuv420p",
        1080,
        1920,
    )
    assert probe.audio_codec == "aac"
    assert 5.0 <= probe.duration_s <= 60.0
    assert probe.metadata.get("studio_backend") == "offline"
    (entry,) = manifest["variants"][0]["assets"]
    assert entry["kind"] == "video" and entry["provenance"]["embedded"]["seed"] == 11
    assert any(
        w["rule"] == "media_unused" for w in manifest["warnings"]
    )  # the image: in-feed is video only


def test_tiktok_needs_a_video_of_the_right_length_and_no_emoji(
    session, people, asset_dir, video_file
):
    campaign_id = make_campaign(session)
    short = make_variant(session, campaign_id=campaign_id, channel="tiktok")
    add_video(session, variant_id=short.id, asset_dir=asset_dir, source=video_file, duration_s=4.0)
    emoji = make_variant(
        session,
        campaign_id=campaign_id,
        channel="tiktok",
        fields=dict(FIELDS["tiktok"], ad_text="Fresh coffee ☕ every week #coffee"),
    )
    plan = plan_export(
        session, platform="tiktok", scope=ExportScope.campaign(campaign_id), asset_dir=asset_dir
    )
    found = {(p.variant_id, p.rule) for p in plan.problems}
    assert found == {
        (short.id, "video_duration"),
        (emoji.id, "emoji"),
        (emoji.id, "forbidden_character"),
        (emoji.id, "media_missing"),
    }
