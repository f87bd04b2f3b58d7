"""Real browser: a creative renders preview images and a video from the Gallery and sees them
load; the QC filter narrows the list to the variant whose video fails brand QC."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlmodel import Session

from studio.core.database import get_engine
from tests.browser.conftest import (
    assert_no_exception,
    choose_option,
    choose_options,
    screenshot,
    sign_in,
    wait_for_app,
)
from tests.imaging.test_render import _variants
from tests.people import PASSWORD, add_people


def test_creative_renders_and_views_images_and_video(page, app):  # type: ignore[no-untyped-def]
    with Session(get_engine(app.database_url), expire_on_commit=False) as session:
        add_people(session)
        ids = _variants(session)
    sign_in(page, app, "cara", PASSWORD, path="gallery")
    page.get_by_role("heading", name="Gallery").wait_for()
    wait_for_app(page)
    choose_options(
        page, "Channel", ("LinkedIn sponsored content (single image)", "TikTok in-feed ad")
    )
    expect(page.locator('[role="dialog"]')).to_have_count(0)
    wait_for_app(page)
    wait_for_app(page)
    page.get_by_text("Preview (25 %)").click()
    wait_for_app(page)
    page.locator(".st-key-gallery_render button").click()
    # The render is a job the worker runs; the page follows it and shows the files when done.
    page.get_by_text("Render images and videos · job 1 · Done · 2/2 items").wait_for(
        timeout=180_000
    )
    wait_for_app(page)
    assert_no_exception(page)
    # Thumbnails: the two LinkedIn images and a frame of the video, each at most 160 px wide.
    images = page.locator('[data-testid="stImage"] img')
    expect(images).to_have_count(3)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stImage\"] img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert max(images.nth(i).bounding_box()["width"] for i in range(3)) <= 160  # type: ignore[index]
    expect(page.locator("video")).to_have_count(0)
    screenshot(page, "gallery-rendered")
    page.get_by_role("button", name="Play video").click()  # full size, in a dialog
    video = page.locator('[role="dialog"] video')
    expect(video).to_have_count(1)
    page.wait_for_function("() => document.querySelector('video').readyState >= 1", timeout=60_000)
    assert round(page.evaluate("document.querySelector('video').duration")) == 8
    screenshot(page, "gallery-full-size-video")
    page.keyboard.press("Escape")
    expect(page.locator('[role="dialog"]')).to_have_count(0)
    wait_for_app(page)

    choose_option(page, "Brand QC", "QC failed")
    expect(
        page.get_by_text(f"#{ids['tiktok']} · Home baristas · TikTok in-feed ad")
    ).to_be_visible()
    expect(page.get_by_text(f"#{ids['linkedin_sponsored']} · Home baristas")).to_have_count(0)
