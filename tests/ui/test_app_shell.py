"""The app shell and the Brand page in Streamlit's AppTest (no browser)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from studio.ui.shell import PAGES
from tests.conftest import REPO_ROOT

BRAND_PAGE = "from studio.ui.pages.brand import render\nrender()\n"


def test_app_asks_for_sign_in_first(studio_env):
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Sign in to studio"
    at.text_input(key="sign_in_username").set_value("nobody")
    at.text_input(key="sign_in_password").set_value("wrong password")
    at.button[0].click().run()
    assert at.error, "a failed sign-in must say so"
    assert at.title[0].value == "Sign in to studio"


def test_app_starts_and_shows_the_active_brand(studio_env, sign_in):
    at = sign_in(AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60), "bea").run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox(key="brand").value == "halden-coffee"
    assert any("sqlite" in c.value for c in at.sidebar.caption)


def test_brand_page_saves_a_valid_edit_and_keeps_the_version(studio_env, brand_dir, sign_in):
    at = sign_in(AppTest.from_string(BRAND_PAGE, default_timeout=60), "bea").run()
    assert not at.exception, at.exception
    at.selectbox(key="brand_file").set_value("ledgerly/personas/shop-owners.yaml").run()
    at.radio(key="brand_view").set_value("YAML").run()
    editor = at.text_area[0]
    editor.set_value(
        editor.value.replace("Independent shop owners", "Main Street shop owners")
    ).run()
    at.text_input(key="message:ledgerly/personas/shop-owners.yaml").set_value("Main Street")
    at.button(key="save:ledgerly/personas/shop-owners.yaml").click().run()
    assert not at.exception, at.exception
    assert (
        "Main Street shop owners" in (brand_dir / "ledgerly/personas/shop-owners.yaml").read_text()
    )
    assert any("Saved ledgerly/personas/shop-owners.yaml" in s.value for s in at.success)
    # The note went with the saved version: the next edit starts with an empty one.
    assert at.text_input(key="message:ledgerly/personas/shop-owners.yaml").value == ""
    assert "Main Street shop owners" in at.text_area[0].value


def test_brand_page_refuses_an_invalid_edit(studio_env, brand_dir):
    path = brand_dir / "ledgerly/personas/shop-owners.yaml"
    original = path.read_text()
    at = AppTest.from_string(BRAND_PAGE, default_timeout=60).run()
    at.selectbox(key="brand_file").set_value("ledgerly/personas/shop-owners.yaml").run()
    at.radio(key="brand_view").set_value("YAML").run()
    at.text_area[0].set_value(original.replace("locale: en-US", "locale: Klingon")).run()
    assert any("locale" in e.value and "Klingon" in e.value for e in at.error)
    assert not at.success, "no 'all valid' banner above the errors of the edit"
    assert at.button(key="save:ledgerly/personas/shop-owners.yaml").disabled
    assert path.read_text() == original


def test_broken_brand_file_does_not_stop_the_app(studio_env, brand_dir, sign_in):
    (brand_dir / "halden-coffee" / "guideline.yaml").write_text("name: [broken")
    at = sign_in(AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60), "bea").run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox(key="brand").value == "ledgerly"
    page = AppTest.from_string(BRAND_PAGE, default_timeout=60).run()
    assert any("1 problem(s)" in e.value for e in page.error)


@pytest.mark.parametrize("spec", PAGES, ids=[spec.module for spec in PAGES])
def test_every_registered_page_renders_for_an_admin(studio_env, sign_in, spec):
    at = sign_in(
        AppTest.from_string(
            f"from studio.ui.pages.{spec.module} import render\nrender()\n", default_timeout=120
        ),
        "ada",
    ).run()
    assert not at.exception, at.exception
    assert at.title and at.title[0].value, f"the {spec.title} page shows a title"
