"""Real browser: sign in as a marketer, export an approved Meta variant, download the zip, open it."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile

from PIL import Image
from playwright.sync_api import expect
from sqlmodel import Session, select

from studio.core.database import get_engine
from studio.core.models import ExportRecord, Variant, VariantStatus
from tests.browser.conftest import assert_no_exception, choose_option, screenshot, wait_for_app
from tests.export.conftest import (
    FIELDS,
    PASSWORD,
    add_image,
    add_people,
    make_campaign,
    make_variant,
)


def _choose(page, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    choose_option(page, label, option, exact=False)


def test_export_and_download_a_meta_zip(page, app, tmp_path):
    with Session(get_engine(app.database_url), expire_on_commit=False) as session:
        add_people(session)
        campaign_id = make_campaign(session, name="Spring subscriptions")
        variant = make_variant(session, campaign_id=campaign_id, channel="meta_feed")
        add_image(session, variant_id=variant.id, asset_dir=app.asset_dir, width=1080, height=1080)
        variant_id = variant.id

    page.goto(app.url)
    wait_for_app(page)
    page.get_by_role("textbox", name="Username").fill("mia")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator('[data-testid="stSidebarNavLink"]').filter(has_text="Export").click()
    page.get_by_role("heading", name="Export to ad platforms").wait_for()
    wait_for_app(page)
    _choose(page, "Platform", "Meta Ads Manager")
    wait_for_app(page)
    page.get_by_text("1 variant(s) · 1 row(s) of meta_ads_manager_import.csv").wait_for()
    export_button = page.get_by_role("button", name="Export", exact=True)
    expect(export_button).to_be_enabled()
    export_button.click()
    download_button = page.get_by_role("button", name=re.compile(r"^Download meta-campaign-"))
    download_button.wait_for()
    wait_for_app(page)
    screenshot(page, "export-ready-to-download")
    with page.expect_download() as info:
        download_button.click()
    download = info.value
    assert re.fullmatch(r"meta-campaign-\d+-\d{8}-\d{6}\.zip", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert_no_exception(page)

    data = saved.read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["platform"] == "meta" and manifest["created_by"] == "mia"
    sheet = archive.read("meta_ads_manager_import.csv").decode("utf-8-sig")
    assert (
        FIELDS["meta_feed"]["headline"] in sheet and '"PAUSED"' in sheet and '"SHOP_NOW"' in sheet
    )
    (asset,) = manifest["variants"][0]["assets"]
    with Image.open(io.BytesIO(archive.read(asset["file"]))) as image:
        assert image.size == (1080, 1080)
    with Session(get_engine(app.database_url)) as session:
        (record,) = session.exec(select(ExportRecord)).all()
        assert (
            record.sha256 == hashlib.sha256(data).hexdigest()
        )  # the downloaded bytes are the recorded zip
        assert session.get(Variant, variant_id).status == VariantStatus.exported
