"""The Brand page in Streamlit's AppTest: form edits write the YAML, the preview and the impact
follow, saving may send approved variants back to review."""

from __future__ import annotations

from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from studio.core.database import get_engine
from studio.core.models import VariantStatus
from studio.review import queries as review_queries
from tests.factories import make_campaign, make_variant

PAGE = "from studio.ui.pages.brand import render\nrender()\n"
PATH = "halden-coffee/guideline.yaml"


def _widget(widgets, suffix: str):  # type: ignore[no-untyped-def]
    [found] = [
        w for w in widgets if w.key and w.key.startswith(f"bf:{PATH}:") and w.key.endswith(suffix)
    ]
    return found


def _tables(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(t.value.to_csv() for t in at.table)


def test_form_edit_follows_in_yaml_preview_and_impact_then_saves(studio_env, sign_in, brand_dir):
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False) as session:
        campaign = make_campaign(session)
        approved = make_variant(session, campaign_id=campaign, status=VariantStatus.approved)
    at = sign_in(AppTest.from_string(PAGE, default_timeout=120), "bea").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="brand_file").value == PATH
    assert "#16181D" not in _tables(at)
    before = _tables(at)
    assert "pass" in before and len(at.get("image")) >= 2

    # A colour edited as hex text: the contrast matrix follows at once.
    at.radio(key=f"brand_section:{PATH}").set_value("colors").run()
    _widget(at.text_input, "colors/2/hex:hex").set_value("#B0B0B0").run()
    assert not at.exception, at.exception
    assert "#B0B0B0" in _tables(at) and "FAIL" in _tables(at)
    assert "#B0B0B0" in at.session_state[f"brand_draft:{PATH}"]["text"]
    # Back to a readable colour, and a new banned phrase: the impact lists the approved variant.
    _widget(at.text_input, "colors/2/hex:hex").set_value("#2A1A12").run()
    at.radio(key=f"brand_section:{PATH}").set_value("banned_phrases").run()
    _widget(at.text_input, "banned_phrases:add").set_value("roasted").run()
    assert not at.exception, at.exception
    impact = _tables(at)
    assert "banned_phrase" in impact and f"#{approved.id}" in impact
    text = at.session_state[f"brand_draft:{PATH}"]["text"]
    assert "- roasted" in text and text.startswith("#")  # the file's comments are kept
    # The same phrase again (any case) is not added twice.
    _widget(at.text_input, "banned_phrases:add").set_value(" Roasted ").run()
    text = at.session_state[f"brand_draft:{PATH}"]["text"]
    assert text.lower().count("- roasted") == 1, text

    # The YAML view shows the same draft.
    at.radio(key="brand_view").set_value("YAML").run()
    assert "- roasted" in at.text_area[0].value
    at.radio(key="brand_view").set_value("Form").run()

    at.checkbox(key=f"send_back:{PATH}").check().run()
    at.button(key=f"save:{PATH}").click().run()
    assert not at.exception, at.exception
    assert any(f"Sent back to review: #{approved.id}" in s.value for s in at.success)
    assert "- roasted" in (brand_dir / PATH).read_text()
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"])) as session:
        variant = review_queries.load_variant(session, variant_id=approved.id)
        assert variant.status == VariantStatus.in_review


def test_form_shows_each_problem_under_its_field_and_refuses_to_save(studio_env, sign_in):
    at = sign_in(AppTest.from_string(PAGE, default_timeout=120), "bea").run()
    _widget(at.text_input, "website:").set_value("haldencoffee").run()
    assert any("is not a web address" in e.value for e in at.error)
    assert at.button(key=f"save:{PATH}").disabled


def test_personas_cards_duplicate_and_retire(studio_env, sign_in, brand_dir):
    at = sign_in(AppTest.from_string(PAGE, default_timeout=120), "bea").run()
    at.radio(key="brand_view").set_value("Personas").run()
    assert not at.exception, at.exception
    at.button(key="pd:halden-coffee/personas/gift-buyers.yaml").click().run()
    assert (brand_dir / "halden-coffee/personas/gift-buyers-copy.yaml").is_file()
    at.button(key="pr:halden-coffee/personas/gift-buyers-copy.yaml").click().run()
    assert (
        "retired: true" in (brand_dir / "halden-coffee/personas/gift-buyers-copy.yaml").read_text()
    )
    assert any("Retired" in s.value for s in at.success)


def test_product_photo_background_is_picked_from_the_allowed_values(studio_env, sign_in):
    at = sign_in(AppTest.from_string(PAGE, default_timeout=120), "bea").run()
    at.radio(key=f"brand_section:{PATH}").set_value("product_photos").run()
    assert not at.exception, at.exception
    background = _widget(at.selectbox, "product_photos/0/background:")
    assert background.value == "transparent"
    assert background.options == [
        "Transparent (alpha channel around the product)",
        "Plain, even background (removed when placed)",
    ]
    background.set_value("plain").run()
    assert not at.exception, at.exception
    assert "background: plain" in at.session_state[f"brand_draft:{PATH}"]["text"]
