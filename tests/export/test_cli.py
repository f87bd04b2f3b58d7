"""``studio export --platform P (--campaign ID | --test ID) --output FILE.zip --as USER``."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner, Result

from studio.cli import app
from studio.cli.export import parse_pins
from studio.core.models import ExportRecord, VariantStatus
from studio.export import RsaPins
from studio.export.google_ads import EDITOR_FORMAT
from studio.export.sheets import read_sheet
from tests.export.conftest import (
    FIELDS,
    make_campaign,
    make_decided_test,
    make_image_ad,
    make_variant,
)

runner = CliRunner()


def run_export(
    platform: str,
    output: Path,
    *extra: str,
    campaign: int | None = None,
    test: int | None = None,
    actor: str = "mia",
) -> Result:
    """``studio export --platform PLATFORM (--campaign ID | --test ID) --output OUTPUT --as ACTOR
    EXTRA...``."""
    scope = ["--campaign", str(campaign)] if campaign is not None else ["--test", str(test)]
    return runner.invoke(
        app,
        ["export", "--platform", platform, *scope, "--output", str(output), "--as", actor, *extra],
    )


def test_export_a_campaign_for_meta(db, studio_env, tmp_path):
    campaign_id = make_campaign(db)
    variant = make_image_ad(
        db, campaign_id=campaign_id, asset_dir=Path(studio_env["STUDIO_ASSET_DIR"])
    )
    output = tmp_path / "spring-meta.zip"
    result = run_export("meta", output, campaign=campaign_id)
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256(output.read_bytes()).hexdigest()
    assert f"sha256 {digest}" in result.output
    assert "exported 1 variant(s) (1 row(s), 1 media file(s))" in result.output
    names = zipfile.ZipFile(output).namelist()
    assert "manifest.json" in names and "meta_ads_manager_import.csv" in names
    db.expire_all()
    (record,) = db.exec(select(ExportRecord)).all()
    assert (record.sha256, record.scope, record.created_by) == (
        digest,
        f"campaign:{campaign_id}",
        "mia",
    )
    db.refresh(variant)
    assert variant.status == VariantStatus.exported


def test_export_refuses_unapproved_and_lists_problems(db, tmp_path):
    campaign_id = make_campaign(db)
    draft = make_variant(
        db, campaign_id=campaign_id, channel="google_rsa", status=VariantStatus.draft
    )
    output = tmp_path / "x.zip"
    result = run_export("google_ads", output, campaign=campaign_id)
    assert result.exit_code == 1
    assert "no approved, exported, winner variant" in result.output and "1 draft" in result.output
    assert draft.id is not None

    make_variant(
        db,
        campaign_id=campaign_id,
        channel="google_rsa",
        fields=dict(FIELDS["google_rsa"], headlines=["x" * 31, "y" * 32, "Fine"]),
    )
    result = run_export("google_ads", output, campaign=campaign_id)
    assert result.exit_code == 1
    assert "headlines[0]" in result.output and "headlines[1]" in result.output
    assert "2 problem(s)" in result.output and "nothing was written" in result.output
    assert not output.exists()


def test_export_a_test_winner_with_pins(db, tmp_path):
    campaign_id = make_campaign(db)
    winner = make_variant(
        db, campaign_id=campaign_id, channel="google_rsa", status=VariantStatus.winner
    )
    experiment, _arms = make_decided_test(db, winner=winner, name="Headlines")
    output = tmp_path / "winner.zip"
    result = run_export(
        "google_ads", output, "--pin", f"{winner.id}:h1=1,d1=1", test=experiment.id, actor="ada"
    )
    assert result.exit_code == 0, result.output
    archive = zipfile.ZipFile(output)
    manifest = json.loads(archive.read("manifest.json"))
    sheet = read_sheet(archive.read(manifest["sheet"]["file"]), EDITOR_FORMAT)
    assert manifest["variants"][0]["id"] == winner.id
    ad = sheet[-1]  # after the campaign and ad group rows
    assert ad["Headline 1 position"] == "1" and ad["Description 1 position"] == "1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--platform", "bing", "--campaign", "1"], "--platform 'bing' is not a platform"),
        (["--platform", "meta"], "exactly one of --campaign ID or --test ID"),
        (
            ["--platform", "meta", "--campaign", "1", "--test", "2"],
            "exactly one of --campaign ID or --test ID",
        ),
        (["--platform", "meta", "--campaign", "1", "--pin", "1:h1=1"], "--pin applies to Google"),
        (["--platform", "meta", "--campaign", "1", "--worksheet"], "--worksheet applies to TikTok"),
        (
            ["--platform", "meta", "--campaign", "1", "--existing-campaign", " "],
            "--existing-campaign: existing_campaign is empty",
        ),
        (
            ["--platform", "meta", "--campaign", "1", "--campaign-id", "act_123"],
            "--campaign-id: campaign_id 'act_123' is not an id: ids are digits only",
        ),
        (
            ["--platform", "google_ads", "--campaign", "1", "--max-cpc", "0.805"],
            "--max-cpc: max_cpc '0.805' has more than 2 decimals",
        ),
        (
            ["--platform", "meta", "--campaign", "1", "--max-cpc", "1"],
            "--max-cpc applies to Google",
        ),
        (
            ["--platform", "google_ads", "--campaign", "1", "--meta-video-ids", "x.csv"],
            "--meta-video-ids applies to Meta only",
        ),
        (
            ["--platform", "meta", "--campaign", "1", "--meta-video-ids", "/nonexistent/ids.csv"],
            "--meta-video-ids: cannot read /nonexistent/ids.csv",
        ),
        (
            ["--platform", "meta", "--campaign", "1", "--existing-ad-group", "Exact"],
            "--existing-ad-group: existing_ad_group names an ad group already in the account",
        ),
    ],
)
def test_bad_arguments_are_explained(studio_env, tmp_path, args, message):
    result = runner.invoke(
        app, ["export", *args, "--output", str(tmp_path / "x.zip"), "--as", "mia"]
    )
    assert result.exit_code != 0
    assert message in result.output


def test_who_exports_must_be_said_and_allowed(db, tmp_path, monkeypatch):
    monkeypatch.delenv("STUDIO_USER", raising=False)
    campaign_id = make_campaign(db)
    make_variant(db, campaign_id=campaign_id, channel="google_rsa")
    base = [
        "export",
        "--platform",
        "google_ads",
        "--campaign",
        str(campaign_id),
        "--output",
        str(tmp_path / "x.zip"),
    ]
    result = runner.invoke(app, base)
    assert result.exit_code == 1 and "--as USER" in result.output
    result = runner.invoke(app, [*base, "--as", "cara"])
    assert (
        result.exit_code == 1 and "cara (creative) may not export to ad platforms" in result.output
    )
    monkeypatch.setenv("STUDIO_USER", "mia")
    assert runner.invoke(app, base).exit_code == 0


def test_parse_pins():
    assert parse_pins(["12:h1=1,h3=2,d2=1", "13:d1=1"]) == {
        12: RsaPins(headlines={0: 1, 2: 2}, descriptions={1: 1}),
        13: RsaPins(headlines={}, descriptions={0: 1}),
    }
    import typer

    for bad in ("12", "x:h1=1", "12:h0=1", "12:k1=1"):
        with pytest.raises(typer.BadParameter):
            parse_pins([bad])


def test_export_into_an_existing_google_campaign(db, tmp_path):
    campaign_id = make_campaign(db)
    make_variant(db, campaign_id=campaign_id, channel="google_rsa")
    output = tmp_path / "existing.zip"
    result = run_export(
        "google_ads", output, "--existing-campaign", "Brand | Search", campaign=campaign_id
    )
    assert result.exit_code == 0, result.output
    assert "Google Ads Editor: Account > Import" in result.output  # how to import it
    archive = zipfile.ZipFile(output)
    manifest = json.loads(archive.read("manifest.json"))
    rows = read_sheet(archive.read(manifest["sheet"]["file"]), EDITOR_FORMAT)
    assert [r["Campaign"] for r in rows] == ["Brand | Search", "Brand | Search"]  # group, ad
    assert all(r["Campaign Type"] == "" for r in rows)


def test_leave_out_what_is_not_ready(db, tmp_path):
    campaign_id = make_campaign(db)
    ready = make_variant(db, campaign_id=campaign_id, channel="google_rsa")
    long = make_variant(
        db,
        campaign_id=campaign_id,
        channel="google_rsa",
        fields=dict(FIELDS["google_rsa"], headlines=["x" * 31, "Fine one", "Fine two"]),
    )
    output = tmp_path / "rest.zip"
    result = run_export("google_ads", output, campaign=campaign_id)
    assert result.exit_code == 1 and not output.exists()
    assert "add --leave-out-not-ready to export the other variants" in result.output
    result = run_export("google_ads", output, "--leave-out-not-ready", campaign=campaign_id)
    assert result.exit_code == 0, result.output
    assert f"left out: variant {long.id} (approved): headlines[0]: " in result.output
    assert "exported 1 variant(s)" in result.output and "1 left out" in result.output
    manifest = json.loads(zipfile.ZipFile(output).read("manifest.json"))
    assert [v["id"] for v in manifest["variants"]] == [ready.id]
