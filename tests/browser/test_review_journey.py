"""Real browser: a creative's drafts go to review; a brand manager approves two and rejects one
with a reason; the audit log shows all of it and downloads it as CSV.

Generation runs through the library (as ``studio generate --created-by cara`` would) because
the app has no generation page yet; everything after it happens in the browser.
"""

from __future__ import annotations

import csv
import io

from playwright.sync_api import expect
from sqlmodel import Session

from studio.brand.guidelines import load_catalog
from studio.copy.generation import GenerationRequest, run_generation
from studio.copy.offline_writer import OfflineCopyWriter
from studio.copy.writing import CampaignBrief
from studio.core.database import get_engine
from studio.core.models import VariantStatus
from studio.review import queries as review_queries
from tests.browser.conftest import (
    assert_no_exception,
    choose_option,
    click_key,
    screenshot,
    wait_for_app,
)
from tests.review.conftest import PASSWORD, add_people

REASON = "Promises a discount we do not offer"


def _sign_in(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    wait_for_app(page)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    try:
        page.get_by_role("heading", name="Review").wait_for()
    except Exception:
        screenshot(page, f"review-sign-in-{username}-failed")
        raise
    wait_for_app(page)


def _choose(page, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    choose_option(page, label, option)


def test_creative_submits_brand_manager_decides_audit_shows_it(page, app):
    with Session(get_engine(app.database_url), expire_on_commit=False) as session:
        add_people(session)
        halden = load_catalog(app.brand_dir).get("halden-coffee")
        request = GenerationRequest(
            brand=halden,
            brief=CampaignBrief("sales", halden.guideline.website, name="Spring"),
            personas=("home-baristas",),
            channels=("meta_feed",),
            n=3,
            seed=5,
        )
        result = run_generation(session, request, OfflineCopyWriter(), created_by="cara")
        session.commit()
        ids = [g.variant_id for g in result.variants]
    assert len(ids) == 3

    # The creative signs in and sends the three drafts for review.
    _sign_in(page, f"{app.url}/review", "cara")
    nav = page.locator('[data-testid="stSidebarNav"]')
    expect(nav).not_to_contain_text("Audit log")  # creatives do not get the audit page
    _choose(page, "Status", "Draft")
    for vid in ids:
        click_key(page, f"submit:{vid}")
        page.get_by_text(f"Variant {vid}: Draft → In review.").first.wait_for()
    screenshot(page, "review-creative-submitted")
    page.get_by_role("button", name="Sign out").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Sign in to studio").wait_for()

    # The brand manager approves two and rejects one with a reason.
    _sign_in(page, f"{app.url}/review", "bea")
    for vid in ids:
        page.get_by_text(f"Variant {vid} · rev 1").wait_for()
    screenshot(page, "review-queue")
    click_key(page, f"approve:{ids[0]}")
    page.get_by_text(f"Variant {ids[0]}: In review → Approved.").first.wait_for()
    click_key(page, f"approve:{ids[1]}")
    page.get_by_text(f"Variant {ids[1]}: In review → Approved.").first.wait_for()
    click_key(page, f"reject:{ids[2]}")  # no reason yet: refused, explained
    page.get_by_text("write a reason").wait_for()
    reason = page.locator(f".st-key-reason-{ids[2]} input")
    reason.fill(REASON)
    reason.press("Enter")
    wait_for_app(page)
    click_key(page, f"reject:{ids[2]}")
    page.get_by_text(f"Variant {ids[2]}: In review → Rejected.").first.wait_for()
    screenshot(page, "review-brand-manager-decided")
    assert_no_exception(page)

    # The audit log shows all of it.
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Audit log").click()
    page.get_by_role("heading", name="Audit log").wait_for()
    wait_for_app(page)
    page.get_by_text("entries, newest first").wait_for()
    screenshot(page, "audit-log")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(info.value.path().read_text())))
    trail = [
        (r["actor"], r["action"], r["entity_id"]) for r in rows if r["entity_type"] == "variant"
    ]
    assert trail == [
        *[("cara", "variant.create", str(v)) for v in ids],
        *[("cara", "variant.submit", str(v)) for v in ids],
        ("bea", "variant.approve", str(ids[0])),
        ("bea", "variant.approve", str(ids[1])),
        ("bea", "variant.reject", str(ids[2])),
    ]
    assert REASON in next(r["after"] for r in rows if r["action"] == "variant.reject")
    signins = [r["actor"] for r in rows if r["action"] == "user.sign_in"]
    assert signins == ["cara", "bea"]
    assert [r["actor"] for r in rows if r["action"] == "user.sign_out"] == ["cara"]
    assert_no_exception(page)

    with Session(get_engine(app.database_url)) as session:
        statuses = [review_queries.load_variant(session, variant_id=v).status for v in ids]
    assert statuses == [VariantStatus.approved, VariantStatus.approved, VariantStatus.rejected]
