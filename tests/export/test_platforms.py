"""Each platform's file: its column list, how a variant fills a row, its media, and its limits."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session

from studio.brand.platforms import validate_platforms_text
from studio.copy.channels import CHANNELS
from studio.export import (
    ExportBlocked,
    ExportOptions,
    ExportScope,
    InvalidOption,
    RsaPins,
    export,
    plan_export,
)
from studio.export.base import parse_money, parse_video_ids
from studio.export.sheets import SheetFormat, read_sheet
from studio.imaging.probe import probe_video
from tests.export.conftest import (
    FIELDS,
    add_image,
    add_video,
    make_campaign,
    make_image_ad,
    make_variant,
)
from tests.factories import export_zip

#: The platforms' column names, written out independently of studio.export.
GOOGLE_COLUMNS = (
    [
        "Campaign",
        "Campaign ID",
        "Campaign Type",
        "Networks",
        "Budget",
        "Budget type",
        "Bid Strategy Type",
        "Languages",
        "EU political ads",
        "Campaign Status",
        "Ad Group",
        "Ad group ID",
        "Ad Group Status",
        "Max CPC",
        "Ad type",
        "Status",
    ]
    + [f"Headline {i}" for i in range(1, 16)]
    + [f"Headline {i} position" for i in range(1, 16)]
    + [f"Description {i}" for i in range(1, 5)]
    + [f"Description {i} position" for i in range(1, 5)]
    + ["Path 1", "Path 2", "Final URL"]
)
META_COLUMNS = [
    "Campaign ID",
    "Campaign Name",
    "Campaign Status",
    "Campaign Objective",
    "Buying Type",
    "Special Ad Categories",
    "Special Ad Category Country",
    "Ad Set ID",
    "Ad Set Name",
    "Ad Set Run Status",
    "Ad Set Daily Budget",
    "Ad Set Time Start",
    "Optimization Goal",
    "Billing Event",
    "Countries",
    "Age Min",
    "Age Max",
    "Publisher Platforms",
    "Facebook Positions",
    "Instagram Positions",
    "Link Object ID",
    "Instagram Account ID",
    "Ad Name",
    "Ad Status",
    "Title",
    "Body",
    "Link Description",
    "Link",
    "Call to Action",
    "Image Hash",
    "Video ID",
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
    sheet_format = SheetFormat(manifest["sheet"]["encoding"], manifest["sheet"]["delimiter"])
    skip = manifest["sheet"]["preamble_lines"]
    header = raw.decode(sheet_format.encoding).splitlines()[skip]
    columns = [c.strip('"') for c in header.split(f'"{sheet_format.delimiter}"')]
    return columns, read_sheet(raw, sheet_format, skip=skip), manifest, archive


def set_platform_settings(brand_dir: Path, text: str, brand: str = "halden-coffee") -> None:
    (brand_dir / brand / "platforms.yaml").write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Google Ads Editor
# --------------------------------------------------------------------------------------------


def test_google_editor_file_has_campaign_ad_group_and_ad_rows_all_paused(
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
    make_variant(session, campaign_id=campaign_id, channel="meta_feed")  # not for Google
    options = ExportOptions(pins={second.id: RsaPins(headlines={0: 1, 1: 2}, descriptions={3: 1})})
    path = export_zip(
        session, tmp_path, asset_dir, "google_ads", ExportScope.campaign(campaign_id), options
    )

    columns, rows, manifest, archive = open_zip(path)
    raw = archive.read(manifest["sheet"]["file"])
    assert raw.startswith(b"\xff\xfe"), "UTF-16LE with a byte-order mark, as Editor exports"
    assert b"\t" in raw and manifest["sheet"]["delimiter"] == "\t"
    assert columns == GOOGLE_COLUMNS
    assert [v["id"] for v in manifest["variants"]] == [first.id, second.id]
    campaign_row, group_one, group_two, one, two = rows
    # The campaign row: what a new Search campaign needs (budget, bidding, languages, EU answer).
    assert campaign_row["Campaign"] == "Spring subscriptions"
    assert (campaign_row["Campaign Type"], campaign_row["Networks"]) == ("Search", "Google search")
    assert (campaign_row["Budget"], campaign_row["Budget type"]) == ("25.00", "Daily")
    assert campaign_row["Bid Strategy Type"] == "Maximize clicks"
    assert campaign_row["Languages"] == "en"
    assert campaign_row["EU political ads"] == "Doesn't have EU political ads"
    assert campaign_row["Campaign Status"] == "Paused" and campaign_row["Ad Group"] == ""
    assert (group_one["Ad Group"], group_one["Ad Group Status"]) == (
        "Spring subscriptions | home-baristas",
        "Paused",
    )
    assert group_two["Ad Group"] == "Spring subscriptions | gift-buyers"
    assert one["Ad Group"] == "Spring subscriptions | home-baristas"
    assert one["Ad type"] == "Responsive search ad"
    assert one["Status"] == "Paused" and one["Campaign Status"] == "" and one["Budget"] == ""
    assert [one[f"Headline {i}"] for i in (1, 2, 3)] == FIELDS["google_rsa"]["headlines"]
    assert one["Headline 4"] == "" and one["Headline 1 position"] == ""
    assert one["Description 2"] == FIELDS["google_rsa"]["descriptions"][1]
    assert (one["Path 1"], one["Path 2"]) == ("coffee", "subscribe")
    assert one["Final URL"] == "https://haldencoffee.example/spring"
    assert two["Headline 15"] == "Headline text 14"
    assert two["Description 4"] == "Description text number 3."
    assert (two["Headline 1 position"], two["Headline 2 position"], two["Headline 3 position"]) == (
        "1",
        "2",
        "",
    )
    assert two["Description 4 position"] == "1"
    assert [n for n in archive.namelist() if n.startswith("media/")] == []  # text-only ads


def test_google_into_an_existing_campaign_writes_no_campaign_row(
    session, people, tmp_path, asset_dir, brand_dir
):
    set_platform_settings(brand_dir, "google_ads: {}\n")  # nothing: an existing campaign needs none
    campaign_id = make_campaign(session)
    make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    options = ExportOptions(existing_campaign="Brand | Search | UK")
    path = export_zip(
        session,
        tmp_path,
        asset_dir,
        "google_ads",
        ExportScope.campaign(campaign_id),
        options,
        brand_dir=brand_dir,
    )
    _columns, rows, _manifest, _archive = open_zip(path)
    group, ad = rows
    assert group["Campaign"] == ad["Campaign"] == "Brand | Search | UK"
    assert group["Campaign Type"] == "" and group["Ad Group Status"] == "Paused"


def test_google_into_an_existing_ad_group_by_id_writes_only_the_ads(
    session, people, tmp_path, asset_dir, brand_dir
):
    set_platform_settings(brand_dir, "google_ads: {}\n")  # an existing ad group needs no settings
    campaign_id = make_campaign(session)
    make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    make_variant(session, campaign_id=campaign_id, channel="google_rsa", persona="gift-buyers")
    options = ExportOptions(
        campaign_id="1234567890", existing_ad_group="Coffee | Exact", ad_group_id="9876543210"
    )
    path = export_zip(
        session,
        tmp_path,
        asset_dir,
        "google_ads",
        ExportScope.campaign(campaign_id),
        options,
        brand_dir=brand_dir,
    )
    _columns, rows, _manifest, _archive = open_zip(path)
    assert len(rows) == 2  # two ads; no campaign row, no ad group row
    for ad in rows:
        assert (ad["Campaign"], ad["Campaign ID"]) == ("", "1234567890")
        assert (ad["Ad Group"], ad["Ad group ID"]) == ("Coffee | Exact", "9876543210")
        assert ad["Ad type"] == "Responsive search ad" and ad["Ad Group Status"] == ""


def test_meta_into_an_existing_ad_set_writes_no_ad_set_settings(
    session, people, tmp_path, asset_dir, brand_dir
):
    set_platform_settings(brand_dir, 'meta:\n  page_id: "104829361057381"\n')  # the Page only
    campaign_id = make_campaign(session)
    variant = make_variant(session, campaign_id=campaign_id, channel="meta_feed")
    add_image(session, variant_id=variant.id, asset_dir=asset_dir, width=1080, height=1350)
    options = ExportOptions(
        existing_campaign="Always on", campaign_id="120200000000001", ad_group_id="120200000000002"
    )
    path = export_zip(
        session,
        tmp_path,
        asset_dir,
        "meta",
        ExportScope.campaign(campaign_id),
        options,
        brand_dir=brand_dir,
    )
    _columns, (row,), _manifest, _archive = open_zip(path)
    assert (row["Campaign ID"], row["Campaign Name"]) == ("120200000000001", "Always on")
    assert (row["Ad Set ID"], row["Ad Set Name"]) == ("120200000000002", "")
    assert row["Campaign Objective"] == row["Ad Set Daily Budget"] == row["Countries"] == ""
    assert row["Ad Status"] == "PAUSED" and row["Link Object ID"] == "o:104829361057381"


@pytest.mark.parametrize("platform", ["tiktok", "linkedin"])
def test_ids_are_refused_where_the_import_takes_none(session, people, asset_dir, platform):
    campaign_id = make_campaign(session)
    channel = {"tiktok": "tiktok", "linkedin": "linkedin_sponsored"}[platform]
    make_variant(session, campaign_id=campaign_id, channel=channel)
    plan = plan_export(
        session,
        platform=platform,
        scope=ExportScope.campaign(campaign_id),
        options=ExportOptions(campaign_id="123", worksheet=platform == "tiktok"),
        asset_dir=asset_dir,
    )
    (problem,) = [p for p in plan.problems if p.rule == "ids_not_accepted"]
    assert problem.location == "campaign_id" and "name the existing campaign" in problem.message


def test_existing_names_go_into_tiktok_and_linkedin_rows(session, people, tmp_path, asset_dir):
    campaign_id = make_campaign(session)
    variant = make_variant(session, campaign_id=campaign_id, channel="linkedin_sponsored")
    add_image(session, variant_id=variant.id, asset_dir=asset_dir, width=1200, height=628)
    options = ExportOptions(existing_campaign="Group A", existing_ad_group="Decision makers")
    path = export_zip(
        session, tmp_path, asset_dir, "linkedin", ExportScope.campaign(campaign_id), options
    )
    _columns, (row,), _manifest, _archive = open_zip(path)
    assert (row["Campaign Group Name"], row["Campaign Name"]) == ("Group A", "Decision makers")


@pytest.mark.parametrize(
    ("kwargs", "option", "says"),
    [
        ({"campaign_id": "12a4"}, "campaign_id", "digits only"),
        ({"existing_campaign": "X", "ad_group_id": "act_12"}, "ad_group_id", "digits only"),
        ({"campaign_id": " 123"}, "campaign_id", "digits only"),
        ({"existing_ad_group": "Exact"}, "existing_ad_group", "existing_campaign"),
        ({"ad_group_id": "77"}, "ad_group_id", "campaign_id too"),
        ({"existing_campaign": "X", "existing_ad_group": "  "}, "existing_ad_group", "empty"),
    ],
)
def test_export_options_name_the_option_they_refuse(kwargs, option, says):
    with pytest.raises(InvalidOption) as raised:
        ExportOptions(**kwargs)
    assert raised.value.option == option
    assert option in str(raised.value) and says in str(raised.value)


MANUAL_CPC = (
    "google_ads:\n  daily_budget: 20\n  bid_strategy: Manual CPC\n  languages: [en]\n"
    "  eu_political_ads: false\n"
)


def test_manual_cpc_ad_groups_carry_their_max_cpc(session, people, tmp_path, asset_dir, brand_dir):
    set_platform_settings(brand_dir, MANUAL_CPC + "  max_cpc: 0.8\n")
    campaign_id = make_campaign(session)
    make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    scope = ExportScope.campaign(campaign_id)
    path = export_zip(session, tmp_path, asset_dir, "google_ads", scope, brand_dir=brand_dir)
    _columns, (campaign, group, ad), _manifest, _archive = open_zip(path)
    assert campaign["Bid Strategy Type"] == "Manual CPC"
    assert (group["Ad Group Status"], group["Max CPC"]) == ("Paused", "0.80")
    assert campaign["Max CPC"] == ad["Max CPC"] == ""
    # A bid given for this export wins over the brand's.
    plan = plan_export(
        session,
        platform="google_ads",
        scope=scope,
        options=ExportOptions(max_cpc=Decimal("1.25")),
        asset_dir=asset_dir,
        brand_dir=brand_dir,
    )
    assert plan.ok and plan.rows[1]["Max CPC"] == "1.25"


def test_a_manual_cpc_campaign_without_a_bid_says_what_to_fill_in(
    session, people, asset_dir, brand_dir
):
    set_platform_settings(brand_dir, MANUAL_CPC)
    campaign_id = make_campaign(session)
    make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    plan = plan_export(
        session,
        platform="google_ads",
        scope=ExportScope.campaign(campaign_id),
        asset_dir=asset_dir,
        brand_dir=brand_dir,
    )
    (problem,) = plan.problems
    assert problem.location == "halden-coffee/platforms.yaml · google_ads.max_cpc"
    assert "Manual CPC" in problem.message and "--max-cpc" in problem.message


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (ExportOptions(max_cpc=Decimal("0.5")), "Manual CPC bidding only"),  # Maximize clicks
        (
            ExportOptions(max_cpc=Decimal("0.5"), existing_campaign="C", existing_ad_group="G"),
            "existing ad group",
        ),
    ],
)
def test_a_max_cpc_where_it_cannot_apply_is_refused(session, people, asset_dir, options, says):
    campaign_id = make_campaign(session)
    make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    plan = plan_export(
        session,
        platform="google_ads",
        scope=ExportScope.campaign(campaign_id),
        options=options,
        asset_dir=asset_dir,
    )
    (problem,) = plan.problems
    assert problem.location == "max_cpc" and says in problem.message


@pytest.mark.parametrize(
    ("value", "says"),
    [("0", "positive"), ("-1", "positive"), ("abc", "positive"), ("0.805", "2 decimals")],
)
def test_a_max_cpc_is_a_positive_amount_in_cents(value, says):
    with pytest.raises(InvalidOption) as raised:
        parse_money("max_cpc", value)
    assert raised.value.option == "max_cpc" and says in str(raised.value)
    assert parse_money("max_cpc", " 0.8 ") == Decimal("0.80")


def test_the_brands_max_cpc_needs_manual_cpc(brand_dir):
    text = "google_ads:\n  bid_strategy: Maximize clicks\n  max_cpc: 0.8\n"
    settings, errors = validate_platforms_text(text, "b/platforms.yaml", brand_dir)
    assert settings is None and "Manual CPC bidding only" in errors[0].problem


def test_a_missing_setting_lists_what_to_fill_in_and_writes_nothing(
    session, people, tmp_path, asset_dir, brand_dir
):
    set_platform_settings(brand_dir, "google_ads:\n  daily_budget: 10\n  languages: [en]\n")
    campaign_id = make_campaign(session)
    make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    plan = plan_export(
        session,
        platform="google_ads",
        scope=ExportScope.campaign(campaign_id),
        asset_dir=asset_dir,
        brand_dir=brand_dir,
    )
    assert {(p.location, p.rule) for p in plan.problems} == {
        ("halden-coffee/platforms.yaml · google_ads.bid_strategy", "settings_missing"),
        ("halden-coffee/platforms.yaml · google_ads.eu_political_ads", "settings_missing"),
    }
    assert plan.rows == ()
    eu = next(p for p in plan.problems if "eu_political_ads" in p.location)
    assert "true or false" in eu.message and "Brand page" in eu.message
    with pytest.raises(ExportBlocked):
        export_zip(
            session,
            tmp_path,
            asset_dir,
            "google_ads",
            ExportScope.campaign(campaign_id),
            brand_dir=brand_dir,
        )
    assert not (tmp_path / "google_ads.zip").exists()


def test_an_invalid_settings_file_is_reported(session, people, asset_dir, brand_dir):
    set_platform_settings(brand_dir, "meta:\n  special_ad_categories: [GAMBLING]\n")
    campaign_id = make_campaign(session)
    make_variant(session, campaign_id=campaign_id, channel="meta_feed")
    plan = plan_export(
        session,
        platform="meta",
        scope=ExportScope.campaign(campaign_id),
        asset_dir=asset_dir,
        brand_dir=brand_dir,
    )
    invalid = [p for p in plan.problems if p.rule == "settings_invalid"]
    assert invalid and "special_ad_categories" in invalid[0].location
    assert "'GAMBLING' is not allowed" in invalid[0].message


def test_more_than_three_rsas_in_an_ad_group_are_warned_about(session, people, asset_dir):
    campaign_id = make_campaign(session)
    for i in range(4):
        make_variant(
            session,
            campaign_id=campaign_id,
            channel="google_rsa",
            fields=dict(FIELDS["google_rsa"], headlines=[f"Fresh beans {i}", "Roasted", "Halden"]),
        )
    plan = plan_export(
        session, platform="google_ads", scope=ExportScope.campaign(campaign_id), asset_dir=asset_dir
    )
    assert plan.ok
    (warning,) = [w for w in plan.warnings if w.rule == "ads_per_ad_group"]
    assert "4 responsive search ads" in warning.message and "at most 3" in warning.message


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


def test_meta_rows_carry_every_required_field_and_link_each_image_to_its_placement(
    session, people, tmp_path, asset_dir
):
    campaign_id = make_campaign(session, objective="sales")
    variant = make_variant(session, campaign_id=campaign_id, channel="meta_feed")
    square = add_image(session, variant_id=variant.id, asset_dir=asset_dir, width=1024, height=1024)
    portrait = add_image(
        session, variant_id=variant.id, asset_dir=asset_dir, width=1080, height=1350
    )
    story = add_image(session, variant_id=variant.id, asset_dir=asset_dir, width=720, height=1280)
    path = export_zip(session, tmp_path, asset_dir, "meta", ExportScope.campaign(campaign_id))

    columns, rows, manifest, archive = open_zip(path)
    assert columns == META_COLUMNS
    feed, vertical = rows
    for row in rows:
        assert row["Campaign Status"] == row["Ad Set Run Status"] == row["Ad Status"] == "PAUSED"
        assert row["Campaign Objective"] == "Outcome Sales" and row["Buying Type"] == "AUCTION"
        assert row["Special Ad Categories"] == "NONE"
        assert row["Link Object ID"] == "o:104829361057381"  # the example brand's Page
        assert row["Instagram Account ID"] == "x:17841405822304914"
        assert (row["Ad Set Daily Budget"], row["Optimization Goal"], row["Billing Event"]) == (
            "15.00",
            "LINK_CLICKS",
            "IMPRESSIONS",
        )
        assert (row["Countries"], row["Age Min"], row["Age Max"]) == ("GB", "25", "65")
        assert row["Ad Set Time Start"]
        assert row["Title"] == FIELDS["meta_feed"]["headline"]
        assert row["Body"] == FIELDS["meta_feed"]["primary_text"]
        assert row["Link Description"] == FIELDS["meta_feed"]["description"]
        assert row["Call to Action"] == "SHOP_NOW"
        assert row["Link"] == "https://haldencoffee.example/spring"
        assert row["Publisher Platforms"] == "facebook, instagram"
    assert feed["Ad Set Name"] == "Spring subscriptions | home-baristas | Feed"
    assert (feed["Facebook Positions"], feed["Instagram Positions"]) == ("feed", "stream")
    assert vertical["Ad Set Name"] == "Spring subscriptions | home-baristas | Stories and Reels"
    assert vertical["Instagram Positions"] == "story, reels"
    # Each image named by the hash of the file in media/: 4:5 for feed, 9:16 for Stories/Reels.
    files = {m["asset_id"]: archive.read(m["file"]) for m in manifest["variants"][0]["assets"]}
    assert set(files) == {portrait.id, story.id}  # the 1:1 is left out, and said so
    assert feed["Image Hash"] == hashlib.md5(files[portrait.id]).hexdigest()
    assert vertical["Image Hash"] == hashlib.md5(files[story.id]).hexdigest()
    with Image.open(io.BytesIO(files[story.id])) as image:
        # 720x1280 is above Meta's 9:16 minimum: written at its own size, never blown up.
        assert (image.format, image.size) == ("JPEG", (720, 1280))
        assert "offline-renderer-1" in image.getexif()[0x010E]
    assert all(m["in_sheet"] for m in manifest["variants"][0]["assets"])
    assert any(
        w["rule"] == "media_unused" and w["location"] == f"asset {square.id}"
        for w in manifest["warnings"]
    )


def test_meta_videos_wait_for_their_meta_ids_then_get_their_ads(
    session, people, tmp_path, asset_dir, video_file
):
    campaign_id = make_campaign(session)
    variant = make_variant(session, campaign_id=campaign_id, channel="meta_feed")
    image = add_image(session, variant_id=variant.id, asset_dir=asset_dir, width=1080, height=1350)
    video = add_video(session, variant_id=variant.id, asset_dir=asset_dir, source=video_file)
    scope = ExportScope.campaign(campaign_id)

    # Without Meta's id the video ships with the list of videos to upload; its ad waits.
    path = export_zip(session, tmp_path, asset_dir, "meta", scope)
    _columns, (feed,), manifest, archive = open_zip(path)
    assert feed["Image Hash"] and feed["Video ID"] == ""
    listed = read_sheet(archive.read("videos_to_upload.csv"), SheetFormat())
    video_file_name = f"media/v{variant.id}-a{video.id}-540x960.mp4"
    assert listed == [
        {"file": video_file_name, "variant_id": str(variant.id), "size": "540x960", "video_id": ""}
    ]
    assert video_file_name in archive.namelist()
    (waiting,) = [w for w in manifest["warnings"] if w["rule"] == "video_id_missing"]
    assert waiting["location"] == f"asset {video.id}"
    assert "--meta-video-ids videos_to_upload.csv" in waiting["message"]
    assert "Media library" in waiting["message"]

    # The list filled in after the upload, given back: the video's ad is written with its id.
    filled = (
        archive.read("videos_to_upload.csv")
        .decode("utf-8-sig")
        .replace('"540x960",""', '"540x960","1203456789012345"')
    )
    ids = parse_video_ids(filled, "videos_to_upload.csv")
    assert ids == {video_file_name.removeprefix("media/"): "1203456789012345"}
    (tmp_path / "meta.zip").unlink()
    path = export_zip(session, tmp_path, asset_dir, "meta", scope, ExportOptions(video_ids=ids))
    _columns, rows, manifest, _archive = open_zip(path)
    feed_image, vertical_video = rows
    assert feed_image["Image Hash"] and feed_image["Ad Name"].endswith("| Feed")
    assert (vertical_video["Video ID"], vertical_video["Image Hash"]) == ("1203456789012345", "")
    assert vertical_video["Ad Set Name"].endswith("| Stories and Reels")
    assert vertical_video["Ad Name"].endswith("| Stories and Reels | Video")
    assert not [w for w in manifest["warnings"] if w["rule"] == "video_id_missing"]
    assert {a["asset_id"] for a in manifest["variants"][0]["assets"]} == {image.id, video.id}


def test_a_variant_whose_only_ad_is_a_waiting_video_is_not_exported(
    session, people, tmp_path, asset_dir, video_file
):
    campaign_id = make_campaign(session)
    variant = make_variant(session, campaign_id=campaign_id, channel="meta_feed")
    add_video(session, variant_id=variant.id, asset_dir=asset_dir, source=video_file)
    path = export_zip(session, tmp_path, asset_dir, "meta", ExportScope.campaign(campaign_id))
    _columns, rows, manifest, archive = open_zip(path)
    assert rows == [] and "videos_to_upload.csv" in archive.namelist()
    assert manifest["variants"][0]["status_after"] == "approved"
    assert any(w["rule"] == "no_ad_yet" for w in manifest["warnings"])
    session.refresh(variant)
    assert variant.status == "approved"  # exported once its ad is in a sheet


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("file,id\nv1.mp4,1\n", "needs video_id and file and/or variant_id"),
        ("file,video_id\nv1.mp4,12a\n", "line 2: video_id '12a' is not an id"),
        ("variant_id,video_id\nseven,12\n", "line 2: variant_id 'seven' is not a number"),
        ("file,variant_id,video_id\n,,12\n", "line 2: give the video's file or its variant_id"),
    ],
)
def test_a_video_id_list_that_cannot_be_read_says_where(text, says):
    with pytest.raises(InvalidOption) as raised:
        parse_video_ids(text, "ids.csv")
    assert raised.value.option == "video_ids"
    assert str(raised.value).startswith("ids.csv") and says in str(raised.value)
    assert parse_video_ids("variant_id,video_id\n7,99\n8,\n", "x") == {"7": "99"}


def test_meta_needs_the_page_and_the_special_ad_categories_answer(
    session, people, asset_dir, brand_dir
):
    set_platform_settings(
        brand_dir,
        "meta:\n  daily_budget: 5\n  optimization_goal: LINK_CLICKS\n  billing_event: IMPRESSIONS\n"
        "  countries: [GB]\n",
    )
    campaign_id = make_campaign(session)
    make_image_ad(session, campaign_id=campaign_id, asset_dir=asset_dir)
    plan = plan_export(
        session,
        platform="meta",
        scope=ExportScope.campaign(campaign_id),
        asset_dir=asset_dir,
        brand_dir=brand_dir,
    )
    assert sorted(p.location.split(" · ")[1] for p in plan.problems) == [
        "meta.page_id",
        "meta.special_ad_categories",
    ]


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
    path = export_zip(session, tmp_path, asset_dir, "linkedin", ExportScope.campaign(campaign_id))
    columns, rows, manifest, archive = open_zip(path)
    # LinkedIn documents no bulk ad import: the file says it is a worksheet, in name and first line.
    assert manifest["sheet"]["file"] == "linkedin_WORKSHEET_not_an_import_file.csv"
    first_line = archive.read(manifest["sheet"]["file"]).decode("utf-8-sig").splitlines()[0]
    assert first_line.startswith('"WORKSHEET, not an import file')
    assert "WORKSHEET" in manifest["import_instructions"]
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


def test_a_1080_square_is_not_upscaled_for_linkedin(session, people, tmp_path, asset_dir):
    campaign_id = make_campaign(session, objective="leads")
    variant = make_variant(session, campaign_id=campaign_id, channel="linkedin_sponsored")
    add_image(session, variant_id=variant.id, asset_dir=asset_dir, width=1080, height=1080)
    path = export_zip(session, tmp_path, asset_dir, "linkedin", ExportScope.campaign(campaign_id))
    _columns, (row,), _manifest, archive = open_zip(path)
    with Image.open(io.BytesIO(archive.read(f"media/{row['Image File Name']}"))) as image:
        assert image.size == (1080, 1080)  # LinkedIn prefers 1200, but blowing up adds nothing


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


TEMPLATE_PREAMBLE = '"Fill in one ad per row. Do not rename or delete columns."\r\n'
TEMPLATE_HEADER = [
    "Campaign ID",
    "Campaign Name",
    "Advertising Objective",
    "Ad Group ID",
    "Ad Group Name",
    "Placement",
    "Location",
    "Budget",
    "Bid",
    "Identity",
    "Ad Name",
    "Ad Text",
    "Call to Action",
    "Landing Page URL",
    "Video Name",
    "Ad Status",
    "Partner Column 7",
]


def add_tiktok_template(brand_dir: Path, header: list[str] = TEMPLATE_HEADER) -> bytes:
    """A template as a brand manager would upload it: a notes line, the header, a sample row."""
    sample = ",".join('"sample"' for _ in header)
    data = TEMPLATE_PREAMBLE + ",".join(f'"{h}"' for h in header) + "\r\n" + sample + "\r\n"
    folder = brand_dir / "halden-coffee" / "templates"
    folder.mkdir(exist_ok=True)
    (folder / "tiktok-template.csv").write_bytes(b"\xef\xbb\xbf" + data.encode())
    platforms = brand_dir / "halden-coffee" / "platforms.yaml"
    text = platforms.read_text().replace(
        "  # template: templates/tiktok-bulk-template.csv",
        "  template: templates/tiktok-template.csv",
    )
    platforms.write_text(text)
    return data.encode()


def test_tiktok_fills_the_brands_own_template_without_renaming_or_removing_columns(
    sqlite_url, tmp_path, asset_dir, video_file, brand_dir
):
    from studio.core.database import get_engine
    from tests.export.conftest import add_people

    template = add_tiktok_template(brand_dir)
    with Session(get_engine(sqlite_url), expire_on_commit=False) as session:
        add_people(session)
        campaign_id = make_campaign(session, objective="awareness")
        variant = make_variant(session, campaign_id=campaign_id, channel="tiktok")
        add_video(session, variant_id=variant.id, asset_dir=asset_dir, source=video_file)
        add_image(session, variant_id=variant.id, asset_dir=asset_dir, width=1080, height=1080)
        path = export_zip(
            session,
            tmp_path,
            asset_dir,
            "tiktok",
            ExportScope.campaign(campaign_id),
            brand_dir=brand_dir,
        )

    columns, rows, manifest, archive = open_zip(path)
    raw = archive.read(manifest["sheet"]["file"])
    assert manifest["sheet"]["file"] == "tiktok_bulk_import.csv"
    # The notes line and the header exactly as downloaded; the sample row is gone.
    assert raw.decode("utf-8-sig").startswith(template.decode().split('\r\n"sample"')[0])
    assert columns == TEMPLATE_HEADER
    (row,) = rows
    assert row["Ad Text"] == FIELDS["tiktok"]["ad_text"]
    assert (row["Advertising Objective"], row["Ad Status"]) == ("Reach", "DISABLE")
    assert (row["Identity"], row["Budget"], row["Location"]) == ("Halden Coffee", "15.00", "GB")
    assert row["Call to Action"] == "SHOP_NOW"
    assert row["Campaign ID"] == row["Bid"] == row["Partner Column 7"] == ""
    video_name = row["Video Name"]
    data = archive.read(f"media/{video_name}")
    extracted = tmp_path / video_name
    extracted.write_bytes(data)
    probe = probe_video(extracted)
    # Written at the source's 540x960 (TikTok's minimum), not blown up to 1080x1920.
    assert (probe.codec, probe.pix_fmt, probe.width, probe.height) == ("h264", "yuv420p", 540, 960)
    assert probe.audio_codec == "aac"
    assert len(data) * 8 / 1000 / probe.duration_s >= 516  # TikTok's bitrate floor, kb/s
    assert 5.0 <= probe.duration_s <= 60.0
    assert probe.metadata.get("studio_backend") == "offline"
    (entry,) = manifest["variants"][0]["assets"]
    assert entry["kind"] == "video" and entry["provenance"]["embedded"]["seed"] == 11
    assert any(w["rule"] == "media_unused" for w in manifest["warnings"])  # in-feed is video only


def test_tiktok_without_a_template_says_so_and_offers_the_worksheet(
    session, people, tmp_path, asset_dir, video_file
):
    campaign_id = make_campaign(session)
    variant = make_variant(session, campaign_id=campaign_id, channel="tiktok")
    add_video(session, variant_id=variant.id, asset_dir=asset_dir, source=video_file)
    plan = plan_export(
        session, platform="tiktok", scope=ExportScope.campaign(campaign_id), asset_dir=asset_dir
    )
    (problem,) = plan.problems
    assert problem.location == "halden-coffee/platforms.yaml · tiktok.template"
    assert "--worksheet" in problem.message and "TikTok Ads Manager" in problem.message
    plan = plan_export(
        session,
        platform="tiktok",
        scope=ExportScope.campaign(campaign_id),
        options=ExportOptions(worksheet=True),
        asset_dir=asset_dir,
    )
    assert plan.ok and plan.layout.file_name == "tiktok_WORKSHEET_not_an_import_file.csv"
    assert plan.layout.columns == tuple(TIKTOK_COLUMNS)
    assert "not a TikTok import file" in plan.layout.preamble[0][0]


def test_a_template_without_the_columns_studio_needs_is_refused(
    session, people, asset_dir, brand_dir
):
    add_tiktok_template(brand_dir, header=["Campaign Name", "Ad Name", "Kampagnenziel"])
    campaign_id = make_campaign(session)
    make_variant(session, campaign_id=campaign_id, channel="tiktok")
    plan = plan_export(
        session,
        platform="tiktok",
        scope=ExportScope.campaign(campaign_id),
        asset_dir=asset_dir,
        brand_dir=brand_dir,
    )
    (problem,) = [p for p in plan.problems if p.variant_id is None]
    assert problem.rule == "template" and "'Ad Text'" in problem.message
    assert "Kampagnenziel" in problem.message


def test_tiktok_refuses_the_objective_bulk_import_cannot_take(session, people, asset_dir):
    campaign_id = make_campaign(session, objective="engagement")
    variant = make_variant(session, campaign_id=campaign_id, channel="tiktok")
    plan = plan_export(
        session,
        platform="tiktok",
        scope=ExportScope.campaign(campaign_id),
        options=ExportOptions(worksheet=True),
        asset_dir=asset_dir,
    )
    assert (variant.id, "objective") in {(p.variant_id, p.rule) for p in plan.problems}


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
        session,
        platform="tiktok",
        scope=ExportScope.campaign(campaign_id),
        options=ExportOptions(worksheet=True),
        asset_dir=asset_dir,
    )
    found = {(p.variant_id, p.rule) for p in plan.problems}
    assert found == {
        (short.id, "video_duration"),
        (emoji.id, "emoji"),
        (emoji.id, "forbidden_character"),
        (emoji.id, "media_missing"),
    }
