"""Real browser: a creative generates copy on the Generate page and sees the saved drafts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from studio.core.database import get_engine
from studio.core.models import Variant
from tests.browser.conftest import (
    assert_no_exception,
    choose_options,
    screenshot,
    sign_in,
    wait_for_app,
)
from tests.people import PASSWORD, add_people

pytestmark = pytest.mark.browser


def test_creative_generates_drafts_in_the_browser(page, app):  # type: ignore[no-untyped-def]
    with Session(get_engine(app.database_url), expire_on_commit=False) as session:
        add_people(session)
    sign_in(page, app, "cara", PASSWORD, path="generate")
    page.get_by_role("heading", name="Generate copy").wait_for()
    wait_for_app(page)
    choose_options(page, "Channels", ("TikTok in-feed ad",))
    page.get_by_role("textbox", name="Offer").fill("50% off your first bag")
    page.get_by_role("button", name="Generate").click()
    page.get_by_text("Saved 6 drafts to campaign").wait_for(timeout=180_000)
    wait_for_app(page)
    assert_no_exception(page)
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    expect(page.get_by_text("Diversity")).to_be_visible()
    screenshot(page, "generate-drafts")
    with Session(get_engine(app.database_url)) as session:
        rows = session.exec(select(Variant)).all()
    assert len(rows) == 6 and {r.channel for r in rows} == {"meta_feed", "tiktok"}
    assert all(r.created_by == "cara" and r.status == "draft" for r in rows)
