"""Real browser: edit a persona field on the Brand page, save, reload, see the new value."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_no_exception, screenshot, wait_for_app


def _open_file(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.locator('[data-testid="stSelectbox"]').filter(has_text="File").click()
    page.get_by_role("option", name=name).click()


def test_edit_persona_and_see_it_after_reload(page, app):
    page.goto(f"{app.url}/brand")
    wait_for_app(page)
    page.get_by_text("All brand files are valid.").wait_for()
    _open_file(page, "ledgerly/personas/freelancers.yaml")
    editor = page.locator('[data-testid="stTextArea"] textarea')
    expect(editor).to_have_value(re.compile("name: Freelancers"))
    text = editor.input_value()
    editor.fill(text.replace("name: Freelancers", "name: Freelance creatives"))
    editor.press("Control+Enter")
    save = page.get_by_role("button", name="Save")
    expect(save).to_be_enabled()
    save.click()
    page.get_by_text("Saved ledgerly/personas/freelancers.yaml").wait_for()
    screenshot(page, "brand-page-saved")
    assert "Freelance creatives" in (app.brand_dir / "ledgerly/personas/freelancers.yaml").read_text()

    page.reload()
    wait_for_app(page)
    _open_file(page, "ledgerly/personas/freelancers.yaml")
    expect(page.locator('[data-testid="stTextArea"] textarea')).to_have_value(
        re.compile("name: Freelance creatives")
    )
    assert_no_exception(page)
