"""Class 4: reviewers see exactly what they approve; checks see what readers see.

Before: copy was rendered as Markdown on the Review page (``![](https://...)`` loaded a remote
image in the reviewer's browser; ``[harmless](...)`` hid the words that would run), banned
phrases written with zero-width characters, soft hyphens, Cyrillic or fullwidth look-alikes
were not flagged, and a brand colour's name reached the Overview as HTML. Now every copy check
reads text through :func:`studio.core.text.fold`, invisible characters are a violation of their
own, and user text is shown through :func:`studio.core.text.markdown_literal`.
"""

from __future__ import annotations

import pytest
import yaml
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from studio.brand.guidelines import BrandCatalog
from studio.copy import variants as variant_queries
from studio.copy.compliance import ComplianceChecker
from studio.core.database import get_engine
from studio.core.models import VariantStatus
from studio.core.text import fold, markdown_literal
from studio.review import accounts as auth
from studio.ui.auth import SIGNIN_KEY
from tests.review.conftest import add_people, make_variant

DISGUISED_CHEAP = {
    "zero-width space": "Our c\u200bheap beans",
    "soft hyphen": "Our che\u00adap beans",
    "word joiner": "Our ch\u2060eap beans",
    "cyrillic e and a": "Our ch\u0435\u0430p beans",
    "fullwidth": "Our \uff43\uff48\uff45\uff41\uff50 beans",
    "mathematical bold": "Our \U0001d41c\U0001d421\U0001d41e\U0001d41a\U0001d429 beans",
    "greek omicron": "Best coffee in the w\u03bfrld",
}


@pytest.mark.parametrize("text", DISGUISED_CHEAP.values(), ids=DISGUISED_CHEAP.keys())
def test_disguised_banned_phrases_are_flagged(catalog: BrandCatalog, text: str) -> None:
    checker = ComplianceChecker(catalog.get("halden-coffee").guideline)
    rules = {v.rule for v in checker.check_text(text)}
    assert "banned_phrase" in rules
    [banned] = [v for v in checker.check_text(text) if v.rule == "banned_phrase"]
    assert "hidden or look-alike characters" in banned.reason


def test_invisible_characters_are_a_violation_but_emoji_sequences_are_not(
    catalog: BrandCatalog,
) -> None:
    checker = ComplianceChecker(catalog.get("halden-coffee").guideline)
    [hidden] = [v for v in checker.check_text("Fresh\u202e beans") if v.rule == "hidden_characters"]
    assert "U+202E" in hidden.reason and "right-to-left override" in hidden.reason
    family = "Coffee for the \U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert [v for v in checker.check_text(family) if v.rule == "hidden_characters"] == []


def test_fold_and_literal() -> None:
    assert fold("fr\u0435\u0435 \uff46\uff52\uff45\uff45") == "free free"
    literal = markdown_literal("![x](https://evil.example/p.png) [ok](https://a) **b** :red[c]")
    assert "](" not in literal and "**" not in literal and ":red[" not in literal


def test_the_ascii_shortcut_gives_what_the_full_normalisation_gives() -> None:
    """fold and text_length skip Unicode normalisation for ASCII text (most copy): for every
    ASCII character the full path must agree, or the shortcut would let disguises through."""
    import unicodedata

    from studio.core.text import CONFUSABLES, text_length

    for char in map(chr, range(128)):
        full = unicodedata.normalize("NFKC", char)
        assert unicodedata.category(char) != "Cf" and char not in CONFUSABLES
        assert fold(char) == full == char
        assert unicodedata.east_asian_width(char) not in ("W", "F")
        assert text_length(char, "double_width") == text_length(char) == 1
    assert fold("Our che\u00adap beans") == "Our cheap beans"  # not ASCII: the full path


HOSTILE_COPY = (
    "![pixel](https://evil.example/p.png) [Roasted this week](https://evil.example/#Cheap)"
)


def test_the_review_card_shows_copy_as_plain_text(studio_env: dict[str, str]) -> None:
    db = Session(get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False)
    add_people(db)
    campaign = variant_queries.create_campaign(
        db,
        brand="halden-coffee",
        name="Spring",
        objective="traffic",
        landing_url="https://haldencoffee.example",
        created_by="cara",
    )
    db.commit()
    variant = make_variant(db, campaign_id=campaign.id, status=VariantStatus.in_review)
    variant.fields = {**variant.fields, "headline": HOSTILE_COPY}
    db.add(variant)
    db.commit()
    at = AppTest.from_string(
        "from studio.ui.pages.review import render\nrender()\n", default_timeout=60
    )
    at.session_state[SIGNIN_KEY] = auth.start_session(
        auth.active_user(db, username="bea"), ttl_minutes=60
    )
    at.run()
    assert not at.exception, at.exception
    shown = [m.value for m in at.markdown if "evil" in m.value]
    assert shown, "the headline is on the card"
    assert all("](" not in value and "![" not in value for value in shown)
    assert any(markdown_literal(HOSTILE_COPY) in value for value in shown)


def test_a_brand_colour_name_is_never_html_on_the_overview(studio_env: dict[str, str]) -> None:
    from pathlib import Path

    guideline = Path(studio_env["STUDIO_BRAND_DIR"]) / "halden-coffee" / "guideline.yaml"
    data = yaml.safe_load(guideline.read_text(encoding="utf-8"))
    data["colors"][0]["name"] = '"><img src=x onerror=alert(1)>'
    guideline.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    db = Session(get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False)
    add_people(db)
    at = AppTest.from_string(
        "from studio.ui.pages.overview import render\nrender()\n", default_timeout=60
    )
    at.session_state[SIGNIN_KEY] = auth.start_session(
        auth.active_user(db, username="bea"), ttl_minutes=60
    )
    at.run()
    assert not at.exception, at.exception
    swatches = [m.value for m in at.markdown if "<span" in m.value]
    assert swatches and "<img" not in swatches[0] and "&lt;img" in swatches[0]
