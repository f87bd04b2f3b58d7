"""The Export page in Streamlit's AppTest: preview, problems, export, download, history."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from studio.core.models import Experiment, ExportRecord, VariantStatus
from studio.jobs.executors import get_executor
from studio.jobs.worker import Worker
from studio.review import accounts as auth
from studio.ui.auth import SIGNIN_KEY
from tests.export.conftest import (
    FIELDS,
    add_image,
    make_campaign,
    make_decided_test,
    make_image_ad,
    make_variant,
)

PAGE = "from studio.ui.pages.export import render\nrender()\n"


def run_worker(env: dict[str, str]) -> None:
    """What ``studio worker`` (beside the app) does with the jobs the page queued."""
    Worker(env["STUDIO_DATABASE_URL"], get_executor("local")).run(once=True)


def page(db: Session, username: str) -> AppTest:
    at = AppTest.from_string(PAGE, default_timeout=90)
    at.session_state[SIGNIN_KEY] = auth.start_session(
        auth.active_user(db, username=username), ttl_minutes=60
    )
    return at


def test_preview_export_and_download(db, studio_env):
    campaign_id = make_campaign(db)
    variant = make_image_ad(
        db, campaign_id=campaign_id, asset_dir=Path(studio_env["STUDIO_ASSET_DIR"])
    )
    at = page(db, "mia").run()
    assert not at.exception, at.exception
    at.selectbox(key="export_platform").set_value("meta").run()
    assert at.selectbox(key="export_campaign").value == campaign_id
    assert any(
        "1 variant(s) · 1 row(s) of meta_ads_manager_import.csv" in s.value for s in at.subheader
    )
    preview = at.dataframe[0].value
    assert list(preview["Title"]) == [FIELDS["meta_feed"]["headline"]]
    assert list(preview["Call to Action"]) == ["SHOP_NOW"]
    assert not at.error
    at.button(key="export_run").click().run()
    assert not at.exception, at.exception
    # The page queued an export job; the worker writes the zip, then the page offers it.
    assert at.get("download_button") == []
    run_worker(studio_env)
    at.run()
    assert not at.exception, at.exception
    db.expire_all()
    (record,) = db.exec(select(ExportRecord)).all()
    zip_path = Path(record.file_name)
    assert zip_path.parent == Path(studio_env["STUDIO_ASSET_DIR"]) / "exports"
    assert record.sha256 == hashlib.sha256(zip_path.read_bytes()).hexdigest()
    assert any(record.sha256 in s.value for s in at.success)
    download = at.get("download_button")
    assert len(download) == 1 and zip_path.name in download[0].proto.label
    assert "manifest.json" in zipfile.ZipFile(zip_path).namelist()
    assert record.created_by == "mia"
    history = at.dataframe[-1].value
    assert list(history["export"]) == [record.id]
    db.refresh(variant)
    assert variant.status == VariantStatus.exported


def test_problems_are_listed_and_export_is_disabled(db, studio_env):
    campaign_id = make_campaign(db)
    make_variant(
        db,
        campaign_id=campaign_id,
        channel="google_rsa",
        fields=dict(FIELDS["google_rsa"], headlines=["x" * 35, "Fine one", "Fine two"]),
    )
    at = page(db, "mia").run()
    at.selectbox(key="export_platform").set_value("google_ads").run()
    assert any("1 problem(s) stop this export" in e.value for e in at.error)
    problems = at.dataframe[0].value
    assert list(problems["location"]) == ["headlines[0]"]
    assert "35 characters" in problems["message"][0]
    assert at.button(key="export_run").disabled


def test_nothing_approved_and_unallowed_users_are_explained(db, studio_env):
    campaign_id = make_campaign(db)
    variant = make_variant(
        db, campaign_id=campaign_id, channel="google_rsa", status=VariantStatus.in_review
    )
    at = page(db, "mia").run()
    at.selectbox(key="export_platform").set_value("google_ads").run()
    assert any("1 in_review" in w.value for w in at.warning)

    # A brand manager reaching the page directly still cannot export: the library refuses.
    from studio.review import workflow as review

    review.approve(db, variant_id=variant.id, actor="bea")
    db.commit()
    at = page(db, "bea").run()
    at.selectbox(key="export_platform").set_value("google_ads").run()
    at.button(key="export_run").click().run()
    assert any("may not export to ad platforms" in e.value for e in at.error)
    assert list((Path(studio_env["STUDIO_ASSET_DIR"]) / "exports").glob("*")) == []


def test_a_test_winner_can_be_chosen(db, studio_env):
    campaign_id = make_campaign(db)
    winner = make_variant(
        db, campaign_id=campaign_id, channel="google_rsa", status=VariantStatus.winner
    )
    experiment, _arms = make_decided_test(db, winner=winner, name="Headline test")
    at = page(db, "mia").run()
    at.selectbox(key="export_platform").set_value("google_ads").run()
    at.radio(key="export_kind").set_value("test").run()
    at.checkbox(key="export_pin_first").check().run()
    # The campaign and ad group rows come first; the ad row carries the pin.
    assert list(at.dataframe[0].value["Headline 1 position"].fillna("")) == ["", "", "1"]
    at.button(key="export_run").click().run()
    assert not at.exception, at.exception
    run_worker(studio_env)
    db.expire_all()
    (record,) = db.exec(select(ExportRecord)).all()
    manifest = json.loads(zipfile.ZipFile(record.file_name).read("manifest.json"))
    assert manifest["scope"] == f"test:{experiment.id}"
    assert manifest["variants"][0]["tests"][0]["is_winner"]


def test_a_brands_tests_are_listed_however_many_tests_other_brands_have(db, studio_env):
    campaign_id = make_campaign(db)
    winner = make_variant(
        db, campaign_id=campaign_id, channel="google_rsa", status=VariantStatus.winner
    )
    experiment, _arms = make_decided_test(db, winner=winner, name="Old headline test")
    # Newer tests of another brand, more than a page of the test list holds.
    for n in range(201):
        db.add(
            Experiment(
                name=f"Other {n}",
                brand="ledgerly",
                persona="finance-leads",
                channel="linkedin_single_image",
                created_by="mia",
            )
        )
    db.commit()
    at = page(db, "mia").run()
    at.selectbox(key="export_platform").set_value("google_ads").run()
    at.radio(key="export_kind").set_value("test").run()
    assert not at.info, [i.value for i in at.info]
    assert at.selectbox(key="export_test").options == [
        f"#{experiment.id} · Old headline test (stopped, winner chosen)"
    ]


def test_a_linkedin_export_is_labelled_a_worksheet(db, studio_env):
    campaign_id = make_campaign(db, objective="leads")
    variant = make_variant(db, campaign_id=campaign_id, channel="linkedin_sponsored")
    add_image(
        db,
        variant_id=variant.id,
        asset_dir=Path(studio_env["STUDIO_ASSET_DIR"]),
        width=1200,
        height=628,
    )
    at = page(db, "mia").run()
    at.selectbox(key="export_platform").set_value("linkedin").run()
    assert not at.exception, at.exception
    assert any("is a worksheet, not an import file" in w.value for w in at.warning)
    assert any("linkedin_WORKSHEET_not_an_import_file.csv" in s.value for s in at.subheader)


def test_a_missing_account_setting_is_listed_and_export_disabled(db, studio_env):
    brand_dir = Path(studio_env["STUDIO_BRAND_DIR"])
    (brand_dir / "halden-coffee" / "platforms.yaml").write_text("meta: {}\n")
    campaign_id = make_campaign(db)
    make_image_ad(db, campaign_id=campaign_id, asset_dir=Path(studio_env["STUDIO_ASSET_DIR"]))
    at = page(db, "mia").run()
    at.selectbox(key="export_platform").set_value("meta").run()
    problems = at.dataframe[0].value
    assert "halden-coffee/platforms.yaml · meta.page_id" in list(problems["location"])
    assert at.button(key="export_run").disabled


def test_existing_ad_group_and_ids_on_the_page(db, studio_env):
    campaign_id = make_campaign(db)
    make_variant(db, campaign_id=campaign_id, channel="google_rsa")
    at = page(db, "mia").run()
    at.selectbox(key="export_platform").set_value("google_ads").run()
    at.text_input(key="export_campaign_id").input("act-1").run()
    assert any(
        e.value.startswith("Existing campaign ID: campaign_id 'act-1' is not an id")
        for e in at.error
    )
    at.text_input(key="export_campaign_id").input("1234567890").run()
    at.text_input(key="export_existing_ad_group").input("Coffee | Exact").run()
    assert not at.error and not at.exception
    preview = at.dataframe[0].value
    assert list(preview["Ad Group"]) == ["Coffee | Exact"]  # the ad only: no group row
    assert list(preview["Campaign ID"]) == ["1234567890"]
    at.selectbox(key="export_platform").set_value("tiktok").run()
    assert "export_campaign_id" not in [t.key for t in at.text_input]  # TikTok takes no ids


def test_a_max_cpc_on_the_page_is_checked(db, studio_env):
    campaign_id = make_campaign(db)
    make_variant(db, campaign_id=campaign_id, channel="google_rsa")
    at = page(db, "mia").run()
    at.selectbox(key="export_platform").set_value("google_ads").run()
    at.text_input(key="export_max_cpc").input("0,80").run()
    assert any(e.value.startswith("Max CPC: max_cpc '0,80' is not an amount") for e in at.error)
    at.text_input(key="export_max_cpc").input("0.80").run()
    # The example brand bids Maximize clicks: a max CPC cannot apply, and the preview says so.
    assert any("1 problem(s) stop this export" in e.value for e in at.error)
    assert "Manual CPC bidding only" in at.dataframe[0].value["message"][0]


def test_the_page_offers_to_leave_out_what_is_not_ready(db, studio_env):
    campaign_id = make_campaign(db)
    ready = make_variant(db, campaign_id=campaign_id, channel="google_rsa")
    long = make_variant(
        db,
        campaign_id=campaign_id,
        channel="google_rsa",
        fields=dict(FIELDS["google_rsa"], headlines=["x" * 35, "Fine one", "Fine two"]),
    )
    at = page(db, "mia").run()
    at.selectbox(key="export_platform").set_value("google_ads").run()
    assert at.button(key="export_run").disabled
    at.checkbox(key="export_leave_out").check().run()
    assert not at.exception, at.exception
    assert any("1 variant(s) left out of this export" in w.value for w in at.warning)
    left = at.dataframe[0].value
    assert list(left["variant"]) == [long.id] and "35 characters" in left["why"][0]
    assert not at.button(key="export_run").disabled
    at.button(key="export_run").click().run()
    run_worker(studio_env)  # the job rebuilds the same choice from its params
    at.run()
    assert not at.exception, at.exception
    db.expire_all()
    (record,) = db.exec(select(ExportRecord)).all()
    assert record.variant_ids == [ready.id]
    manifest = json.loads(zipfile.ZipFile(record.file_name).read("manifest.json"))
    assert [lo["variant_id"] for lo in manifest["left_out"]] == [long.id]


def test_the_export_job_rebuilds_every_choice_from_its_params():
    from decimal import Decimal

    from studio.jobs.kinds import ExportKind

    options = ExportKind.options(
        {
            "campaign_id": 3,  # studio's campaign (the scope), not the platform's
            "existing_campaign": "Always on",
            "existing_ad_group": "Exact",
            "platform_campaign_id": "123",
            "platform_ad_group_id": "456",
            "max_cpc": "0.80",
            "video_ids": {"v1-a2-540x960.mp4": "789"},
            "leave_out_not_ready": True,
        }
    )
    assert (options.campaign_id, options.ad_group_id, options.existing_ad_group) == (
        "123",
        "456",
        "Exact",
    )
    assert options.max_cpc == Decimal("0.80") and options.leave_out_not_ready
    assert dict(options.video_ids) == {"v1-a2-540x960.mp4": "789"}
