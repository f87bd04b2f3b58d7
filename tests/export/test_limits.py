"""Limits counted as each platform counts, in the one channel table generation, review and export use.

Each test is one finding of issue 14; the expected counts are written out from the platforms'
published rules (cited in :mod:`studio.copy.channels`), not computed by the code under test.
"""

from __future__ import annotations

import unicodedata

import pytest

from studio.copy.channels import check_fields, text_length
from studio.copy.compliance import check_variant
from studio.export import ExportScope, plan_export
from tests.export.conftest import FIELDS, make_campaign, make_variant


def rules(channel: str, fields: dict) -> set[tuple[str, str]]:
    return {(v.field, v.rule) for v in check_fields(channel, fields) if v.severity == "error"}


def test_text_length_normalises_and_counts_double_width():
    assert text_length("Cafe\u0301") == 4  # e + combining acute is one é on screen
    assert text_length("コーヒー豆", "double_width") == 10
    assert text_length("ｃｏｆｆｅｅ", "double_width") == 12  # full-width Latin is double width too
    assert text_length("Café 50%", "double_width") == 8


def test_google_counts_double_width_characters_twice():
    # 16 kanji/kana: 16 code points, 32 toward Google's 30 (Editorial: half the limit for CJK).
    headline = "新鮮なコーヒー豆を毎週お届けします"[:16]
    assert len(headline) == 16
    fields = dict(FIELDS["google_rsa"], headlines=[headline, "Roasted to order", "Halden Coffee"])
    found = check_fields("google_rsa", fields)
    (too_long,) = [v for v in found if v.field == "headlines[0]"]
    assert too_long.rule == "max_length"
    assert "counts 32 (double-width characters count 2)" in too_long.reason
    assert ("headlines[0]", "max_length") not in rules(
        "google_rsa", {**fields, "headlines": [headline[:15], "Roasted to order", "Halden Coffee"]}
    )


def test_google_refuses_emoji_and_a_slash_in_display_paths():
    fields = dict(
        FIELDS["google_rsa"],
        headlines=["Fresh beans ☕", "Roasted to order", "Halden Coffee"],
        path1="coffee/beans",
    )
    assert rules("google_rsa", fields) >= {
        ("headlines[0]", "emoji"),
        ("path1", "forbidden_character"),
    }


def test_tiktok_counts_cjk_against_50_of_100():
    # 51 CJK characters: TikTok allows 6-50 of them (100 counted as 2 each).
    text = ("新鮮なコーヒー豆を毎週お届けします" * 4)[:51]
    assert ("ad_text", "max_length") in rules("tiktok", dict(FIELDS["tiktok"], ad_text=text))
    assert ("ad_text", "max_length") not in rules(
        "tiktok", dict(FIELDS["tiktok"], ad_text=text[:50])
    )


@pytest.mark.parametrize(
    ("ad_text", "rule"),
    [
        ("Fresh coffee {name} every week, cancel anytime", "forbidden_character"),
        ("Fresh coffee every week, ask @halden for a bag", "forbidden_character"),
        ("Fresh coffee every week at https://halden.example", "link"),
        ("Fresh coffee every week at www.halden.example today", "link"),
        ("Fresh coffee every week at haldencoffee.com today", "link"),
    ],
)
def test_tiktok_refuses_braces_mentions_and_links(ad_text, rule):
    assert ("ad_text", rule) in rules("tiktok", dict(FIELDS["tiktok"], ad_text=ad_text))


def test_decomposed_accents_count_once():
    nfc = "Café crème, roasted this week"  # 29 characters
    nfd = unicodedata.normalize("NFD", nfc)
    assert len(nfd) == 31
    fields = dict(FIELDS["google_rsa"], headlines=[nfd, "Roasted to order", "Halden Coffee"])
    assert ("headlines[0]", "max_length") not in rules("google_rsa", fields)
    # ...and the text is checked, not rewritten: the variant still holds the decomposed form.
    assert fields["headlines"][0] == nfd


def test_generation_and_review_see_the_same_rules(catalog):
    """Compliance (what generation flags and reviewers see) reads the same channel table."""
    guideline = catalog.get("halden-coffee").guideline
    fields = dict(FIELDS["tiktok"], ad_text="新鮮なコーヒー豆を毎週お届けします" * 3 + "。")
    result = check_variant(guideline, "tiktok", fields)
    assert any(v.rule == "max_length" and v.field == "ad_text" for v in result.violations)


def test_export_refuses_what_the_platform_would(session, people, asset_dir):
    campaign_id = make_campaign(session)
    variant = make_variant(
        session,
        campaign_id=campaign_id,
        channel="google_rsa",
        fields=dict(
            FIELDS["google_rsa"],
            headlines=["新鮮なコーヒー豆を毎週お届けします", "Roasted", "Halden"],
        ),
    )
    plan = plan_export(
        session, platform="google_ads", scope=ExportScope.campaign(campaign_id), asset_dir=asset_dir
    )
    assert (variant.id, "headlines[0]", "max_length") in {
        (p.variant_id, p.location, p.rule) for p in plan.problems
    }


def test_generation_trims_double_width_copy_as_google_counts_it():
    from studio.copy.channels import get_channel
    from studio.copy.generation import repair_fields

    google = get_channel("google_rsa")
    # 60 CJK characters: 60 code points, but 120 toward Google's 90 for a description.
    long_description = "新鮮な焙煎コーヒー豆を毎週お届けします" * 3 + "今すぐ"
    assert (len(long_description), text_length(long_description, "double_width")) == (60, 120)
    fields = dict(FIELDS["google_rsa"], descriptions=[long_description, "Fresh every week."])
    repaired, notes = repair_fields(google, fields, check_fields(google, fields), [])
    trimmed = repaired["descriptions"][0]
    assert text_length(trimmed, "double_width") <= 90 and long_description.startswith(trimmed)
    assert len(trimmed) == 45  # cut between characters: CJK has no spaces to cut at
    assert not [v for v in check_fields(google, repaired) if v.rule == "max_length"]
    assert any("max_length: descriptions[0]" in n for n in notes)


def test_the_one_count_lives_in_core_text():
    from studio.copy import channels
    from studio.core import text

    assert channels.text_length is text.text_length  # checks and trimming count alike
    assert text.prefix_within("コーヒー豆", 5, "double_width") == "コー"
    assert text.prefix_within("fresh coffee beans", 14) == "fresh coffee"  # no half word
    assert text.prefix_within("freshcoffee", 5) == "fresh"
