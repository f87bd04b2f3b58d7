"""Each brand-compliance rule with copy that must pass and copy that must fail."""

from __future__ import annotations

import pytest

from studio.copy.compliance import ComplianceChecker, check_variant, find_claims


@pytest.fixture
def halden(catalog):
    return ComplianceChecker(catalog.get("halden-coffee").guideline)


@pytest.fixture
def ledgerly(catalog):
    return ComplianceChecker(catalog.get("ledgerly").guideline)


def tiktok(text: str) -> dict[str, str]:
    return {"ad_text": text, "call_to_action": "SHOP_NOW"}


HALDEN_TIKTOK_DISCLAIMER = "New subscribers only. Cancel anytime."


def halden_tiktok(text: str) -> dict[str, str]:
    return tiktok(f"{text} {HALDEN_TIKTOK_DISCLAIMER}")


def test_clean_copy_passes(halden):
    result = halden.check("tiktok", halden_tiktok("Beans roasted to order."))
    assert result.passed and result.violations == ()


@pytest.mark.parametrize(
    "text",
    [
        "Cheap beans, fresh.",
        "CHEAP beans",
        "Guaranteed freshness.",
        "The world's best beans",
        "World’s best beans",
    ],
)
def test_banned_phrases_fail_case_insensitive(halden, text):
    result = halden.check("tiktok", halden_tiktok(text))
    assert "banned_phrase" in result.rules()
    violation = next(v for v in result.violations if v.rule == "banned_phrase")
    assert violation.field == "ad_text" and "banned phrase" in violation.reason


@pytest.mark.parametrize(
    "text", ["Cheaper than a café.", "Cheapskates welcome.", "Curated origins.", "Secure checkout."]
)
def test_banned_phrases_match_whole_words_only(halden, text):
    assert "banned_phrase" not in halden.check("tiktok", halden_tiktok(text)).rules()


def test_required_disclaimer_missing_fails_and_present_passes(halden, ledgerly):
    missing = halden.check("tiktok", tiktok("Beans roasted to order, shipped fresh."))
    [violation] = [v for v in missing.violations if v.rule == "disclaimer"]
    assert violation.field == "ad_text" and HALDEN_TIKTOK_DISCLAIMER in violation.reason
    # Case and spacing differences still count as present.
    present = halden.check("tiktok", tiktok("Fresh beans. new subscribers only.  Cancel anytime."))
    assert "disclaimer" not in present.rules()
    # Disclaimers apply per channel: Halden has none for Google RSA.
    rsa = {
        "headlines": ["Fresh beans", "Roasted to order", "Shop now"],
        "descriptions": ["Fresh.", "Roasted."],
    }
    assert halden.check("google_rsa", rsa).passed
    # Ledgerly's Meta disclaimer belongs in the primary text, not anywhere else.
    meta = {
        "primary_text": "Get paid on time.",
        "headline": "Ledgerly is not a bank. Payments by Stripe.",
        "call_to_action": "SIGN_UP",
    }
    assert "disclaimer" in ledgerly.check("meta_feed", meta).rules()


@pytest.mark.parametrize(
    "text",
    [
        "Roasted within 48 hours of shipping.",
        "Rated 4.8 out of 5 by 9,000 subscribers.",
        "Rated 4.8 by 9000 fans.",
        "50% off your first bag.",
        "Beans from 12 farms in 6 countries.",
    ],
)
def test_numbers_backed_by_approved_claims_pass(halden, text):
    assert "unbacked_claim" not in halden.check("tiktok", halden_tiktok(text)).rules()


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("Roasted within 24 hours.", "'24'"),
        ("30% off your first bag.", "'30%'"),
        ("Loved by 10,000 subscribers.", "'10,000'"),
        ("Now 3x fresher.", "'3x'"),
    ],
)
def test_unbacked_numbers_fail(halden, text, token):
    result = halden.check("tiktok", halden_tiktok(text))
    [violation] = [v for v in result.violations if v.rule == "unbacked_claim"]
    assert token in violation.reason and "roast-48h" in violation.reason


def test_numbers_inside_the_disclaimer_are_exempt(halden):
    fields = {
        "intro_text": "Beans roasted to order. Offer ends 31 Dec 2026.",
        "headline": "Fresh beans",
        "call_to_action": "SUBSCRIBE",
    }
    assert halden.check("linkedin_sponsored", fields).passed


def test_multiplier_claim_is_backed(ledgerly):
    fields = tiktok("Get paid 2x faster on average. Trial terms apply.")
    assert ledgerly.check("tiktok", fields).passed


@pytest.mark.parametrize(
    "text",
    [
        "The best beans around.",
        "Our freshest roast yet.",
        "The #1 coffee club.",
        "Most loved roaster.",
    ],
)
def test_unbacked_superlatives_fail(halden, text):
    assert "unbacked_claim" in halden.check("tiktok", halden_tiktok(text)).rules()


@pytest.mark.parametrize(
    "text", ["An honest roast.", "Harvest notes inside.", "Request a sample.", "Better mornings."]
)
def test_words_that_only_look_superlative_pass(halden, text):
    assert "unbacked_claim" not in halden.check("tiktok", halden_tiktok(text)).rules()


def test_superlative_in_an_approved_claim_is_backed(catalog):
    guideline = catalog.get("halden-coffee").guideline.model_copy(deep=True)
    guideline.approved_claims[0].text = "The freshest beans in Leeds, roasted within 48 hours"
    checker = ComplianceChecker(guideline)
    assert (
        "unbacked_claim"
        not in checker.check("tiktok", halden_tiktok("The freshest beans.")).rules()
    )


@pytest.mark.parametrize(
    "text", ["FRESH beans today.", "Fresh beans!!", "Fresh beans! !", "Fresh beans!?"]
)
def test_shouting_fails(halden, text):
    assert "shouting" in halden.check("tiktok", halden_tiktok(text)).rules()


@pytest.mark.parametrize(
    "text", ["Fresh beans!", "Made in the UK.", "Built for the CEO.", "I love it."]
)
def test_not_shouting_passes(halden, text):
    assert "shouting" not in halden.check("tiktok", halden_tiktok(text)).rules()


def test_acronyms_the_guideline_uses_are_not_shouting(catalog):
    guideline = catalog.get("halden-coffee").guideline.model_copy(update={"name": "HALDEN Coffee"})
    assert (
        "shouting"
        not in ComplianceChecker(guideline).check("tiktok", halden_tiktok("HALDEN beans.")).rules()
    )


def test_length_limits_come_from_the_channel_table(halden):
    result = halden.check("tiktok", halden_tiktok("x" * 80))
    assert "max_length" in result.rules()
    [violation] = [v for v in result.violations if v.rule == "max_length"]
    assert violation.field == "ad_text"


def test_every_headline_is_checked_with_its_index(halden):
    fields = {
        "headlines": ["Fresh beans", "Cheap beans", "Shop now"],
        "descriptions": ["Fresh.", "Roasted."],
    }
    result = check_variant(halden.guideline, "google_rsa", fields)
    assert [(v.rule, v.field) for v in result.violations] == [("banned_phrase", "headlines[1]")]
    assert result.to_dicts()[0]["field"] == "headlines[1]"


def test_find_claims_kinds():
    kinds = [
        (c.kind, c.key)
        for c in find_claims("Save 50% with 2x speed, rated 4.8 by 9,000: the best.")
    ]
    assert kinds == [
        ("percentage", "50%"),
        ("number", "2x"),
        ("number", "4.8"),
        ("number", "9000"),
        ("superlative", "best"),
    ]
