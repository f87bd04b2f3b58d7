"""Real browser: a password sign-in survives a page reload and a new tab; signing out ends it
for good (a reload, or the old cookie sent again, finds the sign-in form)."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlmodel import Session

from studio.core.database import get_engine
from studio.ui.session_cookie import COOKIE_NAME
from tests.browser.conftest import assert_no_exception, screenshot, sign_in, wait_for_app
from tests.people import PASSWORD, add_people


def _sidebar_names(page, username: str):  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stSidebar"]').get_by_text(username)


def test_a_sign_in_survives_a_reload_and_sign_out_ends_it(page, app):  # type: ignore[no-untyped-def]
    with Session(get_engine(app.database_url)) as session:
        add_people(session)
    sign_in(page, app, "cara", PASSWORD, path="review")
    page.get_by_role("heading", name="Review").wait_for()
    # The page hands the cookie over with one request after signing in.
    page.wait_for_function(
        "() => performance.getEntriesByType('resource')"
        ".some(e => e.name.includes('/api/studio-session'))"
    )
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies[COOKIE_NAME]["httpOnly"] and cookies[COOKIE_NAME]["sameSite"] == "Strict"
    assert COOKIE_NAME not in page.evaluate("document.cookie")  # no script can read it

    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="Review").wait_for()
    expect(_sidebar_names(page, "cara").first).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)

    other_tab = page.context.new_page()
    other_tab.goto(f"{app.url}/gallery")
    wait_for_app(other_tab)
    other_tab.get_by_role("heading", name="Gallery").wait_for()
    other_tab.close()
    screenshot(page, "sign-in-after-reload")

    stolen = cookies[COOKIE_NAME]
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in to studio").wait_for()
    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="Sign in to studio").wait_for()
    expect(_sidebar_names(page, "cara")).to_have_count(0)
    assert COOKIE_NAME not in {c["name"] for c in page.context.cookies()}

    # A copy of the old cookie is refused by the server: signing out revoked the session.
    page.context.add_cookies([stolen])
    page.goto(f"{app.url}/review")
    wait_for_app(page)
    page.get_by_role("heading", name="Sign in to studio").wait_for()
    assert_no_exception(page)
