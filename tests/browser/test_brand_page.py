"""Real browser: edit a persona field on the Brand page, save, reload, see the new value."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlmodel import Session

from studio.core.database import get_engine
from tests.browser.conftest import (
    assert_no_exception,
    choose_option,
    screenshot,
    sign_in,
    wait_for_app,
)
from tests.people import PASSWORD, add_people


def _wait_for_editor_with(page, text: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the one YAML editor on the page (no stale copy from the last run) holds ``text``."""
    page.wait_for_function(
        """t => { const e = [...document.querySelectorAll('[data-testid="stTextArea"] textarea')];
                  return e.length === 1 && e[0].value.includes(t); }""",
        arg=text,
    )


def _open_file(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Choose the file and its YAML view (the Form view is the default)."""
    choose_option(page, "File", name, exact=False)
    page.get_by_text("YAML", exact=True).click()


def test_edit_persona_and_see_it_after_reload(page, app):
    with Session(get_engine(app.database_url)) as session:
        add_people(session)
    sign_in(page, app, "bea", PASSWORD, path="brand")
    page.get_by_text("All brand files are valid.").wait_for(timeout=120_000)
    _open_file(page, "ledgerly/personas/freelancers.yaml")
    _wait_for_editor_with(page, "name: Freelancers")
    editor = page.locator('[data-testid="stTextArea"] textarea')
    text = editor.input_value()
    editor.fill(text.replace("name: Freelancers", "name: Freelance creatives"))
    editor.press("Control+Enter")
    save = page.get_by_role("button", name="Save")
    expect(save).to_be_enabled()
    save.click()
    page.get_by_text("Saved ledgerly/personas/freelancers.yaml").wait_for()
    screenshot(page, "brand-page-saved")
    assert (
        "Freelance creatives" in (app.brand_dir / "ledgerly/personas/freelancers.yaml").read_text()
    )

    page.reload()  # still signed in (the session cookie)
    wait_for_app(page)
    _open_file(page, "ledgerly/personas/freelancers.yaml")
    _wait_for_editor_with(page, "name: Freelance creatives")
    assert_no_exception(page)
