"""platforms.yaml as a form: every setting has a field, enums show human labels, the form and
the file round-trip byte for byte and keep comments, problems land on their field, and the
Brand page edits and saves it with history."""

from __future__ import annotations

from typing import get_args

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from studio.brand import forms
from studio.brand import store as brand_store
from studio.brand.guidelines import ProductPhoto
from studio.brand.platforms import PlatformSettings, load_platform_settings
from studio.core.database import get_engine

BRANDS = ["halden-coffee", "ledgerly"]
FIELDS = forms.form_fields(forms.PLATFORM_SECTIONS)
PAGE = "from studio.ui.pages.brand import render\nrender()\n"
PATH = "ledgerly/platforms.yaml"


def _comments(text: str) -> list[str]:
    return [line.split("#", 1)[1] for line in text.splitlines() if "#" in line]


def _field(path: str) -> forms.FormField:
    [found] = [f for f in FIELDS if f.path == path]
    return found


def test_every_platform_setting_has_a_field_and_every_enum_value_a_human_label():
    assert {f.path for f in FIELDS} == forms.schema_fields(PlatformSettings)
    for path, model, name in (
        ("google_ads.bid_strategy", "google_ads", "bid_strategy"),
        ("meta.optimization_goal", "meta", "optimization_goal"),
        ("meta.billing_event", "meta", "billing_event"),
    ):
        field = _field(path)
        assert field.kind == "choice"
        schema = PlatformSettings.model_fields[model].annotation.model_fields[name].annotation
        [literal] = [a for a in get_args(schema) if a is not type(None)]
        assert [value for value, _ in field.options] == list(get_args(literal))
    for field in (_field("meta.optimization_goal"), _field("meta.special_ad_categories")):
        for value, label in field.options:
            assert label != value and "_" not in label, (value, label)
    assert _field("meta.special_ad_categories").label_of("CREDIT") == "Credit"
    assert [v for v, _ in _field("google_ads.eu_political_ads").options] == [True, False]


def test_product_photo_background_is_a_choice_of_the_schema_values():
    [photos] = [
        f for f in forms.form_fields(forms.GUIDELINE_SECTIONS) if f.path == "product_photos"
    ]
    [background] = [c for c in photos.columns if c.key == "background"]
    assert background.kind == "choice" and background.required
    allowed = get_args(ProductPhoto.model_fields["background"].annotation)
    assert [value for value, _ in background.options] == list(allowed)


@pytest.mark.parametrize("brand", BRANDS)
def test_unedited_platform_form_gives_back_the_file_byte_for_byte(brand_dir, brand):
    text = (brand_dir / brand / "platforms.yaml").read_text()
    values = forms.form_values(text)
    # "No" EU political ads and "no special ad category" are answers, not empty fields.
    assert forms.apply_form(text, forms.without_empty(values, FIELDS)) == text
    assert forms.apply_form(text, values) == text


@pytest.mark.parametrize("brand", BRANDS)
def test_a_platform_edit_keeps_comments_and_other_values(brand_dir, brand):
    text = (brand_dir / brand / "platforms.yaml").read_text()
    values = forms.form_values(text)
    forms.set_value(values, "meta.optimization_goal", "LANDING_PAGE_VIEWS")
    forms.set_value(values, "tiktok.daily_budget", forms.money(42.5))
    forms.set_value(values, "meta.instagram_account_id", None)  # emptied in the form
    edited = forms.apply_form(text, forms.without_empty(values, FIELDS))
    assert _comments(edited) == _comments(text) and _comments(text)
    assert "optimization_goal: LANDING_PAGE_VIEWS" in edited
    assert "instagram_account_id" not in edited
    assert "daily_budget: 42.50" in edited  # budgets keep their cents, as the files write them
    assert forms.field_errors(brand_dir, f"{brand}/platforms.yaml", edited) == {}
    (brand_dir / brand / "platforms.yaml").write_text(edited)
    settings, errors = load_platform_settings(brand_dir / brand)
    assert errors == []
    assert settings.meta.optimization_goal == "LANDING_PAGE_VIEWS"
    assert str(settings.tiktok.daily_budget) == "42.5"
    assert settings.meta.instagram_account_id is None
    assert settings.google_ads.eu_political_ads is False


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("meta.billing_event", "CLICKS", "'CLICKS' is not allowed"),
        ("meta.age_min", 10, "greater than or equal to 13"),
        ("google_ads.languages", ["English"], "should match pattern"),
    ],
)
def test_a_bad_value_gives_an_error_on_its_field(brand_dir, path, value, problem):
    text = (brand_dir / PATH).read_text()
    values = forms.form_values(text)
    forms.set_value(values, path, value)
    errors = forms.field_errors(brand_dir, PATH, forms.apply_form(text, values))
    under = forms.errors_under(errors, path)
    assert under and problem in " ".join(under), errors


def test_brand_page_edits_one_platform_setting_and_saves_it_with_history(
    studio_env, sign_in, brand_dir
):
    before = (brand_dir / PATH).read_text()
    at = sign_in(AppTest.from_string(PAGE, default_timeout=120), "bea").run()
    at.selectbox(key="brand_file").set_value(PATH).run()
    assert not at.exception, at.exception
    assert not any("no form yet" in i.value for i in at.info)
    [goal] = [w for w in at.selectbox if w.key and w.key.endswith("meta/optimization_goal:")]
    assert goal.value == "LINK_CLICKS" and "Link clicks" in goal.options
    goal.set_value("LANDING_PAGE_VIEWS").run()
    assert not at.exception, at.exception
    draft = at.session_state[f"brand_draft:{PATH}"]["text"]
    assert "optimization_goal: LANDING_PAGE_VIEWS" in draft
    [budget] = [w for w in at.number_input if w.key and w.key.endswith("tiktok/daily_budget:")]
    budget.set_value(31.5).run()
    assert not at.exception, at.exception

    at.button(key=f"save:{PATH}").click().run()
    assert not at.exception, at.exception
    assert any(f"Saved {PATH}" in s.value for s in at.success)
    saved = (brand_dir / PATH).read_text()
    assert saved == before.replace(
        "optimization_goal: LINK_CLICKS", "optimization_goal: LANDING_PAGE_VIEWS"
    ).replace(
        "identity: Ledgerly\n  daily_budget: 30.00", "identity: Ledgerly\n  daily_budget: 31.50"
    )
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"])) as session:
        versions = brand_store.history(session, path=PATH)
        assert versions[0].content == saved
        assert any(v.content == before for v in versions[1:])


def test_brand_page_shows_a_cross_field_problem_and_refuses_to_save(studio_env, sign_in):
    at = sign_in(AppTest.from_string(PAGE, default_timeout=120), "bea").run()
    at.selectbox(key="brand_file").set_value(PATH).run()
    [age_min] = [w for w in at.number_input if w.key and w.key.endswith("meta/age_min:")]
    age_min.set_value(64).run()
    [age_max] = [w for w in at.number_input if w.key and w.key.endswith("meta/age_max:")]
    age_max.set_value(30).run()
    assert any("age_min 64 is above age_max 30" in e.value for e in at.error)
    assert at.button(key=f"save:{PATH}").disabled
