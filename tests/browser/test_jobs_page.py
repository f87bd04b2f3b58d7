"""Real browser: a render started on the Gallery keeps going when the page is closed; opened
again, the Jobs page follows it to the end and the Gallery shows the files."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlmodel import Session

from studio.core.database import get_engine
from studio.core.models import JobStatus
from studio.jobs import queue
from tests.browser.conftest import (
    assert_no_exception,
    choose_options,
    screenshot,
    sign_in,
    wait_for_app,
)
from tests.imaging.test_render import _variants
from tests.people import PASSWORD, add_people


def test_a_render_outlives_the_closed_page_and_is_seen_finishing(browser, app):  # type: ignore[no-untyped-def]
    with Session(get_engine(app.database_url), expire_on_commit=False) as session:
        add_people(session)
        _variants(session)

    first = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = first.new_page()
    sign_in(page, app, "cara", PASSWORD, path="gallery")
    page.get_by_role("heading", name="Gallery").wait_for()
    wait_for_app(page)
    choose_options(
        page, "Channel", ("LinkedIn sponsored content (single image)", "TikTok in-feed ad")
    )
    wait_for_app(page)
    page.get_by_text("Preview (25 %)").click()
    wait_for_app(page)
    page.locator(".st-key-gallery_render button").click()
    page.get_by_text("Render images and videos · job 1 ·").first.wait_for()
    first.close()  # the tab goes away while the worker renders

    with Session(get_engine(app.database_url), expire_on_commit=False) as session:
        job = queue.get_job(session, job_id=1)
    assert job.items_total == 2 and job.created_by == "cara"

    second = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = second.new_page()
    sign_in(page, app, "cara", PASSWORD, path="jobs")
    page.get_by_role("heading", name="Jobs").wait_for()
    # The page refreshes itself from the database until the job ends.
    page.get_by_text("Render images and videos · job 1 · Done · 2/2 items").wait_for(
        timeout=180_000
    )
    assert_no_exception(page)
    expect(page.get_by_text("By cara, queued")).to_be_visible()
    screenshot(page, "jobs-render-done")

    with Session(get_engine(app.database_url), expire_on_commit=False) as session:
        job = queue.get_job(session, job_id=1)
        outputs = queue.outputs_of(session, job)
    assert job.status == JobStatus.done and len(outputs["asset"]) == 3

    page.locator('[data-testid="stSidebarNav"]').get_by_text("Gallery").click()
    page.get_by_role("heading", name="Gallery").wait_for()
    wait_for_app(page)
    # Thumbnails: the two images and a frame of the video (played full size on request).
    expect(page.locator('[data-testid="stImage"] img')).to_have_count(3)
    expect(page.get_by_role("button", name="Play video")).to_have_count(1)
    second.close()
