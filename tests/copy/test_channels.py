"""The channel table and :func:`studio.copy.channels.check_fields`: every rule passes and fails."""

from __future__ import annotations

import pytest

from studio.brand.guidelines import ChannelId
from studio.copy.channels import (
    CHANNELS,
    FieldSpec,
    Violation,
    check_fields,
    get_channel,
    limits_table,
    suggest_cta_button,
    truncate_for_display,
)
from studio.core.errors import NotFound

GOOD_RSA = {
    "headlines": ["Fresh beans weekly", "Roasted to order", "Shop now"],
    "descriptions": ["Beans roasted to order, shipped fresh.", "Pause or skip anytime."],
    "path1": "coffee",
    "path2": "beans",
}
GOOD = {
    "google_rsa": GOOD_RSA,
    "meta_feed": {
        "primary_text": "Fresh beans at your door.",
        "headline": "Roasted to order",
        "description": "Shop now",
        "call_to_action": "SHOP_NOW",
    },
    "linkedin_sponsored": {
        "intro_text": "Close the month in an afternoon.",
        "headline": "Bookkeeping, done",
        "call_to_action": "REQUEST_DEMO",
    },
    "tiktok": {"ad_text": "Fresh beans at your door.", "call_to_action": "SHOP_NOW"},
}


def rules(violations: list[Violation]) -> set[str]:
    return {v.rule for v in violations}


def test_table_holds_the_platform_limits():
    rsa = CHANNELS["google_rsa"]
    assert (
        rsa.field("headlines").max_length,
        rsa.field("headlines").min_count,
        rsa.field("headlines").max_count,
    ) == (30, 3, 15)
    assert rsa.field("headlines").distinct
    assert (
        rsa.field("descriptions").max_length,
        rsa.field("descriptions").min_count,
        rsa.field("descriptions").max_count,
    ) == (90, 2, 4)
    assert rsa.field("path1").max_length == rsa.field("path2").max_length == 15
    meta = CHANNELS["meta_feed"]
    assert meta.field("primary_text").shown_length == 125
    assert (meta.field("headline").max_length, meta.field("headline").shown_length) == (40, 27)
    assert meta.field("description").max_length == 30
    linkedin = CHANNELS["linkedin_sponsored"]
    assert (linkedin.field("intro_text").max_length, linkedin.field("intro_text").shown_length) == (
        600,
        150,
    )
    assert (linkedin.field("headline").max_length, linkedin.field("headline").shown_length) == (
        200,
        70,
    )
    tiktok = CHANNELS["tiktok"].field("ad_text")
    assert (tiktok.min_length, tiktok.max_length, tiktok.allow_emoji, tiktok.forbidden_chars) == (
        12,
        100,
        False,
        ("#", "{", "}", "@"),
    )
    assert not tiktok.allow_links
    # Google and TikTok count double-width characters as 2; Meta and LinkedIn document no such rule.
    assert {c.id: c.counting for c in CHANNELS.values()} == {
        "google_rsa": "double_width",
        "meta_feed": "characters",
        "linkedin_sponsored": "characters",
        "tiktok": "double_width",
    }
    assert set(CHANNELS) == set(ChannelId.__args__)  # type: ignore[attr-defined]


@pytest.mark.parametrize("channel", list(GOOD))
def test_valid_copy_passes(channel):
    assert check_fields(channel, GOOD[channel]) == []


def test_headline_too_long_names_field_and_counts():
    fields = {**GOOD_RSA, "headlines": ["x" * 31, "Roasted to order", "Shop now"]}
    [violation] = check_fields("google_rsa", fields)
    assert (violation.rule, violation.field) == ("max_length", "headlines[0]")
    assert "31 characters" in violation.reason and "at most 30" in violation.reason
    assert (
        check_fields("google_rsa", {**GOOD_RSA, "headlines": ["x" * 30, "Roasted", "Shop now"]})
        == []
    )


def test_headline_count_and_distinct():
    assert rules(check_fields("google_rsa", {**GOOD_RSA, "headlines": ["One", "Two"]})) == {"count"}
    assert rules(
        check_fields("google_rsa", {**GOOD_RSA, "headlines": [f"Headline {i}" for i in range(16)]})
    ) == {"count"}
    assert (
        check_fields("google_rsa", {**GOOD_RSA, "headlines": [f"Headline {i}" for i in range(15)]})
        == []
    )
    dup = check_fields("google_rsa", {**GOOD_RSA, "headlines": ["Shop now", "Fresh", "shop  NOW"]})
    assert [(v.rule, v.field) for v in dup] == [("distinct", "headlines[2]")]


def test_descriptions_count_and_length():
    assert rules(check_fields("google_rsa", {**GOOD_RSA, "descriptions": ["Only one."]})) == {
        "count"
    }
    assert rules(check_fields("google_rsa", {**GOOD_RSA, "descriptions": ["a" * 91, "ok"]})) == {
        "max_length"
    }
    assert check_fields("google_rsa", {**GOOD_RSA, "descriptions": ["a" * 90, "ok"]}) == []


def test_paths():
    assert rules(check_fields("google_rsa", {**GOOD_RSA, "path1": "a" * 16})) == {"max_length"}
    without_path1 = {k: v for k, v in GOOD_RSA.items() if k != "path1"}
    assert rules(check_fields("google_rsa", without_path1)) == {"dependency"}
    assert (
        check_fields(
            "google_rsa", {k: v for k, v in GOOD_RSA.items() if k not in ("path1", "path2")}
        )
        == []
    )


def test_meta_limits_and_truncation_warning():
    fields = {
        **GOOD["meta_feed"],
        "headline": "A" + "b" * 30,
    }  # 31 chars: allowed, but truncated on feed
    assert check_fields("meta_feed", fields) == []
    [warning] = check_fields("meta_feed", fields, include_truncation=True)
    assert (warning.rule, warning.severity, warning.field) == ("truncation", "warning", "headline")
    assert "27" in warning.reason
    assert rules(check_fields("meta_feed", {**fields, "headline": "x" * 41})) == {"max_length"}
    assert rules(check_fields("meta_feed", {**fields, "primary_text": "x" * 126})) == {"max_length"}
    assert rules(check_fields("meta_feed", {**fields, "description": "x" * 31})) == {"max_length"}


def test_linkedin_limits():
    ok = {**GOOD["linkedin_sponsored"], "intro_text": "x" * 600, "headline": "y" * 200}
    assert check_fields("linkedin_sponsored", ok) == []
    assert {v.field for v in check_fields("linkedin_sponsored", ok, include_truncation=True)} == {
        "intro_text",
        "headline",
    }
    assert rules(check_fields("linkedin_sponsored", {**ok, "intro_text": "x" * 601})) == {
        "max_length"
    }
    assert rules(check_fields("linkedin_sponsored", {**ok, "headline": "y" * 201})) == {
        "max_length"
    }


def test_tiktok_length_emoji_and_hashtags():
    ok = GOOD["tiktok"]
    assert rules(check_fields("tiktok", {**ok, "ad_text": "Too short"})) == {"min_length"}
    assert rules(check_fields("tiktok", {**ok, "ad_text": "x" * 101})) == {"max_length"}
    assert check_fields("tiktok", {**ok, "ad_text": "x" * 100}) == []
    assert rules(check_fields("tiktok", {**ok, "ad_text": "Fresh beans at your door ☕"})) == {
        "emoji"
    }
    assert rules(check_fields("tiktok", {**ok, "ad_text": "Fresh beans 🎉 at your door"})) == {
        "emoji"
    }
    assert rules(check_fields("tiktok", {**ok, "ad_text": "Fresh beans #coffee daily"})) == {
        "forbidden_character"
    }
    # Emoji are fine where the platform allows them.
    assert check_fields("meta_feed", {**GOOD["meta_feed"], "primary_text": "Fresh beans ☕"}) == []


def test_structure_rules():
    assert rules(check_fields("tiktok", {"call_to_action": "SHOP_NOW"})) == {"required"}
    assert rules(check_fields("tiktok", {**GOOD["tiktok"], "call_to_action": "BUY_IT"})) == {
        "choice"
    }
    assert rules(check_fields("tiktok", {**GOOD["tiktok"], "hashtags": "x"})) == {"unknown_field"}
    assert rules(check_fields("tiktok", {**GOOD["tiktok"], "ad_text": 42})) == {"type"}
    assert rules(check_fields("google_rsa", {**GOOD_RSA, "headlines": "Shop now"})) == {"type"}
    assert rules(
        check_fields("tiktok", {**GOOD["tiktok"], "ad_text": " Fresh beans at your door."})
    ) == {"whitespace"}


def test_unknown_channel_names_the_known_ones():
    with pytest.raises(NotFound, match="google_rsa"):
        get_channel("snapchat")


def test_field_spec_validates_itself():
    with pytest.raises(ValueError, match="min_length"):
        FieldSpec("x", "X", max_length=5, min_length=6)
    with pytest.raises(ValueError, match="multiple"):
        FieldSpec("x", "X", max_length=5, max_count=3)


def test_cta_buttons_follow_the_brand_call_to_action():
    assert suggest_cta_button("Start free trial", "meta_feed") == "SIGN_UP"
    assert suggest_cta_button("Book a demo", "linkedin_sponsored") == "REQUEST_DEMO"
    assert suggest_cta_button("Start your subscription", "tiktok") == "SUBSCRIBE"
    assert suggest_cta_button("Get your first bag", "meta_feed") == "SHOP_NOW"
    assert suggest_cta_button("Find your roast", "meta_feed") == "LEARN_MORE"
    assert suggest_cta_button("Shop now", "google_rsa") is None


def test_violation_round_trip_and_display_helpers():
    violation = Violation("max_length", "headline", "too long")
    assert Violation.from_dict(violation.to_dict()) == violation
    assert truncate_for_display(CHANNELS["meta_feed"].field("headline"), "x" * 30) == "x" * 27 + "…"
    rows = limits_table()
    assert any(r.channel == "tiktok" and "no emoji" in r.notes for r in rows)
    assert len(rows) == sum(len(c.fields) for c in CHANNELS.values())
