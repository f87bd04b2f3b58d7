"""The whole journey in a real browser, as a team would walk it on a fresh install.

A brand manager edits the guideline; a creative generates copy, renders images and submits the
drafts; the brand manager checks the scores and approves; a marketer starts a test, imports a
Meta report, sees the winner and downloads the export; an admin reads the audit trail. Every
page is screenshot into ``test-artifacts/screenshots/journey-*.png`` and none may show a
Streamlit exception.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import UTC, datetime

from playwright.sync_api import expect
from sqlmodel import Session, col, select

from studio.core.database import get_engine
from studio.core.models import Arm, Experiment, Variant, VariantStatus
from tests.browser.conftest import (
    assert_no_exception,
    choose_option,
    click_key,
    screenshot,
    sign_in,
    wait_for_app,
)
from tests.people import PASSWORD, add_people

PERSONA = "gift-buyers"  # the Generate page's first persona for Halden Coffee Roasters


def _nav(page, title: str) -> None:  # type: ignore[no-untyped-def]
    page.locator('[data-testid="stSidebarNavLink"]').filter(has_text=title).first.click()
    wait_for_app(page)


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    wait_for_app(page)
    assert_no_exception(page)
    screenshot(page, f"journey-{name}")


def _choose(page, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    choose_option(page, label, option, exact=False)


def _sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in to studio").wait_for()


def _variants(app) -> list[Variant]:  # type: ignore[no-untyped-def]
    with Session(get_engine(app.database_url)) as session:
        return list(session.exec(select(Variant).order_by(col(Variant.id))).all())


def test_from_guideline_to_downloaded_winner(page, app, tmp_path):  # type: ignore[no-untyped-def]
    with Session(get_engine(app.database_url)) as session:
        add_people(session)

    # Brand manager: the overview, then a guideline edit (a new banned phrase), saved and versioned.
    sign_in(page, app, "bea", PASSWORD)
    page.get_by_role("heading", name="Creative studio").wait_for()
    _shot(page, "01-overview")
    _nav(page, "Brand")
    page.get_by_role("heading", name="Brand guidelines").wait_for(timeout=120_000)
    page.get_by_text("YAML", exact=True).click()  # the Form view is the default
    editor = page.locator('[data-testid="stTextArea"] textarea')
    expect(editor).to_have_value(re.compile("name: Halden Coffee Roasters"))
    editor.fill(
        editor.input_value().replace("  - addictive\n", "  - addictive\n  - instant coffee\n")
    )
    editor.press("Control+Enter")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved halden-coffee/guideline.yaml").wait_for()
    _shot(page, "02-brand")
    assert "instant coffee" in (app.brand_dir / "halden-coffee" / "guideline.yaml").read_text()
    _sign_out(page)

    # Creative: generate three drafts, render their images, send them for review.
    sign_in(page, app, "cara", PASSWORD, path="generate")
    page.get_by_role("heading", name="Generate copy").wait_for()
    page.get_by_role("button", name="Generate").click()
    page.get_by_text(re.compile(r"Saved 3 drafts to campaign \d+")).wait_for(timeout=180_000)
    _shot(page, "03-generate")
    drafts = _variants(app)
    assert len(drafts) == 3 and all(v.predicted_ctr is not None for v in drafts), (
        "every draft is scored"
    )
    assert {v.persona for v in drafts} == {PERSONA}

    _nav(page, "Gallery")
    page.get_by_role("heading", name="Gallery").wait_for()
    page.locator(".st-key-gallery_render button").click()  # full size: the export needs it
    page.get_by_text(re.compile(r"Render images and videos · job \d+ · Done · 3/3 items")).wait_for(
        timeout=180_000
    )
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stImage\"] img')]"
        ".filter(i => i.complete && i.naturalWidth > 0).length >= 3"
    )
    _shot(page, "04-gallery")

    _nav(page, "Review")
    page.get_by_role("heading", name="Review").wait_for()
    _choose(page, "Status", "Draft")
    for variant in drafts:
        click_key(page, f"submit:{variant.id}")
        page.get_by_text(f"Variant {variant.id}: Draft → In review.").first.wait_for()
    _sign_out(page)

    # Brand manager: the queue shows predicted CTRs; approve all three.
    sign_in(page, app, "bea", PASSWORD, path="review")
    page.get_by_role("heading", name="Review").wait_for()
    expect(page.get_by_text(re.compile(r"Predicted CTR: \d+\.\d\d%")).first).to_be_visible()
    _shot(page, "05-review-queue")
    for variant in drafts:
        click_key(page, f"approve:{variant.id}")
        page.get_by_text(f"Variant {variant.id}: In review → Approved.").first.wait_for()
    _shot(page, "06-review-approved")
    _sign_out(page)

    # Marketer: start a test, import a Meta report in which one ad clearly wins, reweight.
    sign_in(page, app, "mia", PASSWORD, path="tests")
    page.get_by_role("heading", name="Tests").wait_for()
    page.locator('[data-testid="stRadio"]').get_by_text("New test", exact=True).click()
    wait_for_app(page)
    _choose(page, "Persona", f"({PERSONA})")
    _choose(page, "Channel", "meta_feed")
    name = page.get_by_role("textbox", name="Test name")
    name.fill("Gift season headlines")
    name.press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Create test").click()
    page.get_by_text("'Gift season headlines' started with 3 arms").wait_for()
    _shot(page, "07-test-created")
    with Session(get_engine(app.database_url)) as session:
        arms = list(session.exec(select(Arm).order_by(col(Arm.id))).all())
    best = arms[1]
    report = tmp_path / "meta-report.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Day", "Ad name", "Impressions", "Link clicks", "Amount spent (USD)"])
    today = datetime.now(UTC).date().isoformat()  # a test counts no day before it started
    for arm in arms:
        writer.writerow([today, arm.ad_name, 20_000, 640 if arm is best else 300, "130.00"])
    report.write_text(buffer.getvalue())
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(report))
    wait_for_app(page)
    page.get_by_role("button", name="Import report").click()
    page.get_by_text("3 row(s) imported (60,000 impressions, 1,240 clicks)").wait_for()
    wait_for_app(page)
    page.get_by_role("button", name="Reweight now").click()
    page.get_by_text(
        re.compile(r"is the winner: [>]?[\d.]+% probability of being best")
    ).first.wait_for()
    _shot(page, "08-test-winner")
    with Session(get_engine(app.database_url)) as session:
        experiment = session.exec(select(Experiment)).one()
        assert experiment.winner_arm_id == best.id
        assert session.get(Variant, best.variant_id).status == VariantStatus.winner  # type: ignore[union-attr]

    _nav(page, "CTR model")
    page.get_by_role("heading", name="CTR model").wait_for()
    _shot(page, "09-ctr-model")

    # Marketer: export the test's winner for Meta and download the zip.
    _nav(page, "Export")
    page.get_by_role("heading", name="Export to ad platforms").wait_for()
    page.get_by_text("A test's winner").click()
    wait_for_app(page)
    _choose(page, "Platform", "Meta Ads Manager")
    try:
        # One ad per placement: the 4:5 image in the feed ad set, the 9:16 one in Stories and Reels.
        page.get_by_text("1 variant(s) · 2 row(s) of meta_ads_manager_import.csv").wait_for()
    except Exception:
        screenshot(page, "journey-export-failed")
        raise
    page.get_by_role("button", name="Export", exact=True).click()
    download_button = page.get_by_role("button", name=re.compile(r"^Download meta-test-"))
    download_button.wait_for()
    _shot(page, "10-export")
    with page.expect_download() as info:
        download_button.click()
    archive = zipfile.ZipFile(info.value.path())
    manifest = json.loads(archive.read("manifest.json"))
    assert [v["id"] for v in manifest["variants"]] == [best.variant_id]
    assert any(name.startswith("media/") for name in archive.namelist())
    _sign_out(page)

    # Admin: the audit trail holds every step, by whom; the users page lists the team.
    sign_in(page, app, "ada", PASSWORD, path="audit")
    page.get_by_role("heading", name="Audit log").wait_for()
    page.get_by_text("entries, newest first").wait_for()
    _shot(page, "11-audit")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(info.value.path().read_text())))
    done = {(r["actor"], r["action"]) for r in rows}
    assert {
        ("bea", "guideline.save"),
        ("cara", "variant.create"),
        ("cara", "variant.submit"),
        ("bea", "variant.approve"),
        ("mia", "experiment.create"),
        ("mia", "export.create"),
    } <= done, done
    _nav(page, "Users")
    page.get_by_role("heading", name="Users").wait_for()
    _shot(page, "12-users")
