"""Real browser: a brand manager creates a brand with the wizard, adds a persona, changes a
colour (the contrast matrix and the preview follow), adds a banned phrase (the affected variants
are listed), saves, and a creative generates copy with the new brand."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from studio.brand.guidelines import load_catalog
from studio.core.database import get_engine
from studio.core.models import Variant, VariantStatus
from tests.browser.conftest import (
    REPO_ROOT,
    assert_no_exception,
    choose_option,
    choose_options,
    screenshot,
    sign_in,
    wait_for_app,
)
from tests.factories import make_campaign, make_variant
from tests.people import PASSWORD, add_people

pytestmark = pytest.mark.browser

EXAMPLE = REPO_ROOT / "brand_guidelines" / "ledgerly"
GUIDELINE = "fjord-bikes/guideline.yaml"


def _fill(page, name: str, value: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("textbox", name=name, exact=True).fill(value)


def _upload(page, label: str, path) -> None:  # type: ignore[no-untyped-def]
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text=label)
    uploader.locator('input[type="file"]').set_input_files(str(path))
    uploader.get_by_text(path.name).wait_for()


def _choose(page, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    # The field typed in last commits when it loses focus; let that rerun finish first.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    wait_for_app(page)
    choose_options(page, label, (option,))


def _commit(page, name: str, value: str) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_role("textbox", name=name, exact=True)
    box.fill(value)
    box.press("Enter")
    wait_for_app(page)


def _open_section(page, title: str) -> None:  # type: ignore[no-untyped-def]
    page.locator('[data-testid="stExpander"] summary').filter(has_text=title).first.click()


def _section(page, title: str) -> None:  # type: ignore[no-untyped-def]
    """Pick a section of the guideline form (one is drawn at a time)."""
    page.locator('[data-testid="stRadio"]').get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title).wait_for()
    wait_for_app(page)


def _first_ad(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stImage"] img').first.get_attribute("src") or ""


def test_brand_kit_journey(page, app):  # type: ignore[no-untyped-def]
    with Session(get_engine(app.database_url), expire_on_commit=False) as session:
        add_people(session)

    # 1. The wizard makes a valid brand folder.
    sign_in(page, app, "bea", PASSWORD, path="brand")
    # The first run draws a whole guideline form and its preview: allow a slow machine.
    page.get_by_role("heading", name="Brand guidelines").wait_for(timeout=120_000)
    page.get_by_text("New brand", exact=True).click()
    wait_for_app(page)
    _fill(page, "Brand name", "Fjord Bikes")
    _fill(page, "Website", "https://fjordbikes.example")
    _fill(page, "Industry", "Electric city bikes")
    _fill(page, "Tone (comma-separated)", "calm, practical")
    _fill(page, "How the brand sounds", "Plain words about getting around town.")
    _fill(page, "Value propositions (one per line)", "Ride to work without the sweat")
    _fill(page, "Calls to action (one per line)", "Book a test ride")
    _fill(page, "Visual style", "Bright streets, riders in everyday clothes.")
    _upload(page, "Logo", EXAMPLE / "logo.png")
    _upload(page, "Headline font", EXAMPLE / "fonts" / "DejaVuSans-Bold.ttf")
    _upload(page, "Body font", EXAMPLE / "fonts" / "DejaVuSans.ttf")
    _fill(page, "Persona name", "City commuters")
    _fill(page, "Persona description", "Office workers who ride 5-15 km each way.")
    _fill(page, "Age range", "25-50")
    _fill(page, "Pains (one per line)", "crowded trains")
    _fill(page, "Motivations (one per line)", "arrive fresh")
    _choose(page, "Preferred channels", "TikTok in-feed ad")
    page.get_by_role("button", name="Create brand").click()
    page.get_by_text("Created the brand Fjord Bikes in fjord-bikes/.").wait_for()
    wait_for_app(page)
    assert_no_exception(page)
    catalog = load_catalog(app.brand_dir)
    assert not catalog.errors, catalog.errors
    assert list(catalog.brands["fjord-bikes"].personas) == ["city-commuters"]
    screenshot(page, "brand-kit-created")

    # 2. A second persona from the Personas view.
    page.get_by_text("Personas", exact=True).click()
    wait_for_app(page)
    _open_section(page, "New persona")
    _fill(page, "Name", "Weekend riders")
    _fill(page, "Description", "People who ride for fun on Saturdays.")
    page.get_by_role("textbox", name="Age range", exact=True).last.fill("30-60")
    _fill(page, "Pains (one per line)", "hilly routes")
    _fill(page, "Motivations (one per line)", "longer rides")
    _choose(page, "Preferred channels", "TikTok in-feed ad")
    page.get_by_role("button", name="Create persona").click()
    page.get_by_text("Created persona fjord-bikes/personas/weekend-riders.yaml.").wait_for()
    wait_for_app(page)
    expect(page.get_by_text("Weekend riders", exact=True)).to_be_visible()

    # A variant of the new brand that a new rule will break, approved by a brand manager.
    with Session(get_engine(app.database_url), expire_on_commit=False) as session:
        campaign = make_campaign(
            session, brand="fjord-bikes", landing_url="https://fjordbikes.example/"
        )
        variant = make_variant(
            session,
            campaign_id=campaign,
            status=VariantStatus.approved,
            channel="tiktok",
            persona="city-commuters",
            fields={"ad_text": "Ride to work without the sweat.", "call_to_action": "LEARN_MORE"},
        )
        variant.brand = "fjord-bikes"
        session.add(variant)
        session.commit()
        variant_id = variant.id

    # 3. A colour change: the contrast matrix and the sample ad follow.
    page.get_by_text("Form", exact=True).click()
    wait_for_app(page)
    page.get_by_role("heading", name="Live preview").wait_for()
    before_ad = _first_ad(page)
    _section(page, "Colours")
    text_hex = page.get_by_role("textbox", name="Colour (hex)").nth(2)
    text_hex.fill("#B8B8B8")
    text_hex.press("Enter")
    wait_for_app(page)
    table = page.locator('[data-testid="stTable"]').first
    expect(table).to_contain_text("#B8B8B8")
    expect(table).to_contain_text("FAIL")
    page.wait_for_function(
        "src => document.querySelector('[data-testid=\"stImage\"] img').src !== src",
        arg=before_ad,
    )
    screenshot(page, "brand-kit-contrast")
    text_hex = page.get_by_role("textbox", name="Colour (hex)").nth(2)
    text_hex.fill("#16181D")
    text_hex.press("Enter")
    wait_for_app(page)
    expect(table).not_to_contain_text("FAIL")

    # 4. A banned phrase: the affected variant is listed before saving.
    _section(page, "Banned phrases")
    _commit(page, "Add to banned phrases", "sweat")
    impact = page.locator('[data-testid="stTable"]').filter(has_text="banned_phrase")
    expect(impact).to_contain_text(f"#{variant_id}")
    expect(impact).to_contain_text("Ride to work without the sweat.")
    page.get_by_text("Send the 1 approved variant(s) back to review when saving").click()
    _commit(page, "What changed (optional)", "sweat is banned")
    page.get_by_role("button", name="Save").click()
    page.get_by_text(f"Saved {GUIDELINE}. Sent back to review: #{variant_id}.").wait_for()
    assert_no_exception(page)
    screenshot(page, "brand-kit-saved")
    guideline = load_catalog(app.brand_dir).brands["fjord-bikes"].guideline
    assert guideline.banned_phrases == ["sweat"]
    assert guideline.color("text").hex == "#16181D"
    assert (app.brand_dir / GUIDELINE).read_text().startswith("# Fjord Bikes: created")
    with Session(get_engine(app.database_url)) as session:
        assert session.get(Variant, variant_id).status == VariantStatus.in_review

    # 5. A creative generates copy with the new brand.
    sign_in(page, app, "cara", PASSWORD, path="generate")
    sidebar = page.locator('[data-testid="stSidebar"]')
    choose_option(page, "Active brand", "Fjord Bikes", exact=False, within=sidebar)
    page.get_by_role("heading", name="Generate copy").wait_for()
    wait_for_app(page)
    page.get_by_role("button", name="Generate").click()
    page.get_by_text("Saved", exact=False).filter(has_text="drafts to campaign").wait_for(
        timeout=180_000
    )
    assert_no_exception(page)
    with Session(get_engine(app.database_url)) as session:
        drafts = session.exec(
            select(Variant).where(Variant.brand == "fjord-bikes", Variant.status == "draft")
        ).all()
    assert drafts and all("sweat" not in str(d.fields).lower() for d in drafts)
