"""The copy rubric: each check finds what the issue saw in real drafts, and passes clean copy."""

from __future__ import annotations

import pytest

from studio.copy.claims import review_offer
from studio.copy.rubric import (
    cut_off_reason,
    do_rule_checks,
    normalise,
    score_set,
    score_variant,
    source_phrases,
)

HALDEN_META_GOOD = {
    "primary_text": "Tired of stale beans with no roast date? Single-origin coffees traced to the "
    "farms that grow them. New subscribers only. Cancel anytime.",
    "headline": "Roasted within 48 hours",
    "description": "Tasting notes with every bag",
    "call_to_action": "SHOP_NOW",
}


def checks(rubric):
    return sorted(f.check for f in rubric.findings)


def test_clean_copy_has_no_finding_and_applies_do_rules(catalog):
    brand = catalog.get("halden-coffee")
    rubric = score_variant(brand, "meta_feed", HALDEN_META_GOOD)
    assert rubric.findings == ()
    assert "Name the origin, the roast date or the tasting notes" in rubric.do_applied
    assert rubric.applies_do
    assert rubric.opening == "tired of"
    assert 0 < rubric.length_use["headline"] <= 1


@pytest.mark.parametrize("headline", ["Shop now", "Learn more!", "Get your first bag", "Sign up"])
def test_button_label_as_single_headline(catalog, headline):
    brand = catalog.get("halden-coffee")
    rubric = score_variant(brand, "meta_feed", {**HALDEN_META_GOOD, "headline": headline})
    found = [f for f in rubric.findings if f.check == "button_headline"]
    assert [(f.field, f.text) for f in found] == [("headline", headline)]


def test_google_allows_two_button_headlines_of_fifteen(catalog):
    brand = catalog.get("ledgerly")
    headlines = ["Ledgerly", "Start free trial", "Book a demo", "Bank feeds that sort for you"]
    fields = {"headlines": headlines, "descriptions": ["Reports your accountant can open.", "x y"]}
    assert "button_headline" not in checks(score_variant(brand, "google_rsa", fields))
    fields["headlines"] = [*headlines, "Get started"]
    found = [f for f in score_variant(brand, "google_rsa", fields).findings]
    assert [(f.check, f.field, f.text) for f in found if f.check == "button_headline"] == [
        ("button_headline", "headlines[4]", "Get started")
    ]


def test_repeated_text_across_fields_and_sentences(catalog):
    brand = catalog.get("halden-coffee")
    fields = {
        **HALDEN_META_GOOD,
        "headline": "Supporting farms directly",
        "description": "Supporting farms directly.",
    }
    found = [(f.field, f.text) for f in score_variant(brand, "meta_feed", fields).findings]
    assert ("description", "Supporting farms directly.") in found
    google = {
        "headlines": ["Halden Coffee Roasters", "Roasted within 48 hours"],
        "descriptions": [
            "Roasted within 48 hours of shipping. Shop now.",
            "Tasting notes with every bag. Shop now.",
        ],
    }
    found = [
        (f.check, f.field, f.text) for f in score_variant(brand, "google_rsa", google).findings
    ]
    assert ("repeated_text", "descriptions[1]", "Shop now.") in found
    assert ("repeated_text", "headlines[1]", "Roasted within 48 hours") in found


def test_disclaimers_may_repeat(catalog):
    brand = catalog.get("ledgerly")
    fields = {
        "headlines": ["Ledgerly", "Bank feeds that sort for you", "Month-end in an afternoon"],
        "descriptions": [
            "Reports your accountant can open. Ledgerly is not a bank. Payments by Stripe.",
            "Bank-grade encryption. Ledgerly is not a bank. Payments by Stripe.",
        ],
    }
    assert "repeated_text" not in checks(score_variant(brand, "google_rsa", fields))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Send invoices that get paid faster, with card", "cut mid-phrase"),
        ("Invoices that get paid faster, with card", "cut mid-phrase"),  # a part, cut
        ("Beans roasted to order, shipped fresh to your", "ends on 'your'"),
        ("Coffee as good as the café without the", "ends on 'the'"),
        ("Fresh beans,", "ends on ','"),
    ],
)
def test_cut_off_phrases(catalog, text, reason):
    brand = catalog.get("ledgerly")
    phrases = source_phrases(brand)
    assert reason in (cut_off_reason(text, phrases) or "")


@pytest.mark.parametrize(
    "text",
    [
        "Send invoices that get paid faster",  # cut at the comma: a phrase boundary
        "Invoices that get paid faster",  # a part of it, ending at the comma
        "With card and bank payments built in",  # a part that runs to the phrase's end
        "Card and bank payments built in",  # ends on a particle, not a dangling preposition
        "Send invoices that get paid faster, with card and bank payments built in",
        "Tired of chasing late payments?",
    ],
)
def test_whole_phrases_are_not_cut_off(catalog, text):
    brand = catalog.get("ledgerly")
    assert cut_off_reason(text, source_phrases(brand)) is None


def test_persona_slug_paths(catalog):
    brand = catalog.get("halden-coffee")
    base = {"headlines": ["A b c", "D e f", "G h i"], "descriptions": ["One.", "Two."]}
    for path in ("gift-buyers", "remote", "home-baristas"):
        found = score_variant(brand, "google_rsa", {**base, "path1": path}).findings
        assert [(f.check, f.field, f.text) for f in found] == [("slug_path", "path1", path)]
    assert score_variant(brand, "google_rsa", {**base, "path1": "coffee"}).findings == ()


def test_do_rule_heuristics_per_rule(catalog):
    halden = {c.rule: c for c in do_rule_checks(catalog.get("halden-coffee").guideline)}
    ledgerly = {c.rule: c for c in do_rule_checks(catalog.get("ledgerly").guideline)}
    from studio.copy.rubric import VariantText

    def view(*texts, opening=()):
        return VariantText(texts=texts, opening=opening or texts[:1])

    origin = halden["Name the origin, the roast date or the tasting notes"]
    assert origin.applies is not None and origin.kind == "content"
    assert origin.applies(view("Single-origin beans from Huila"))
    assert origin.applies(view("Tasting notes on every bag"))
    assert origin.applies(view("See the roast date on the bag"))
    assert not origin.applies(view("Great coffee, delivered"))
    you = halden['Speak to the reader as "you"']
    assert you.applies and you.applies(view("Shipped to your door")) and not you.applies(view("Hi"))
    idea = halden["Keep one idea per line"]
    assert idea.kind == "form" and idea.applies
    assert not idea.applies(view("One thing; and another thing that goes on and on and on too"))
    lead = ledgerly[
        "Lead with the job the reader wants done (get paid, close the month, file taxes)"
    ]
    assert lead.applies and lead.applies(view("Close the month in an afternoon. More text."))
    assert lead.applies(view("Body.", opening=("Customers get paid 2x faster",)))
    assert not lead.applies(view("Bank feeds that categorise", opening=("Bank feeds",)))
    claims = ledgerly["Quantify time saved only with approved claims"]
    assert claims.applies and claims.applies(view("Saves 5 hours a month on bookkeeping"))
    assert not claims.applies(view("Saves hours every month"))


def test_unknown_do_rule_is_not_counted(catalog):
    brand = catalog.get("halden-coffee")
    voice = brand.guideline.voice.model_copy(update={"do": ["Be delightful"]})
    guideline = brand.guideline.model_copy(update={"voice": voice})
    (check,) = do_rule_checks(guideline)
    assert check.applies is None and "not counted" in check.heuristic


def test_set_openings_claims_and_coverage(catalog):
    brand = catalog.get("halden-coffee")
    other = {
        "primary_text": "Roasted within 48 hours of shipping. New subscribers only. Cancel anytime.",
        "headline": "Coffee that arrives on time",
        "call_to_action": "SHOP_NOW",
    }
    rubric = score_set(
        brand,
        [("meta_feed", HALDEN_META_GOOD), ("meta_feed", HALDEN_META_GOOD), ("meta_feed", other)],
        offer="60% off everything",
    )
    assert rubric.distinct_openings == pytest.approx(1 / 3)
    shared = [f for f in rubric.findings if f.check == "distinct_openings"]
    assert [f.text for f in shared] == ["tired of"]
    (claim,) = [f for f in rubric.findings if f.check == "claims_fidelity"]
    assert claim.field == "offer" and "'60%'" in claim.message and "first-bag-50" in claim.message
    assert rubric.do_coverage == pytest.approx(2 / 3)  # "Roasted within 48 hours" names no Do item
    summary = rubric.summary()
    assert summary["claims_fidelity"] == 1 and summary["variants"] == 3


def test_offer_review(catalog):
    guideline = catalog.get("halden-coffee").guideline
    assert review_offer(guideline, "50% off your first bag").supported
    review = review_offer(guideline, "60% off your first bag")
    assert review.unbacked == ("60%",)
    assert review.closest is not None and review.closest.id == "first-bag-50"


def test_normalise_folds_case_punctuation_and_lookalikes():
    assert normalise("Supporting  FARMS, directly!") == "supporting farms directly"
    assert normalise("frее") == "free"  # Cyrillic "е"
