"""The formula guard (OWASP CSV injection) and the CSV format of the sheets."""

from __future__ import annotations

import json
import zipfile

import pytest

from studio.export import ExportScope, export, plan_export
from studio.export.sheets import FORMULA_TRIGGERS, csv_bytes, guard_cell, read_csv
from tests.export.conftest import FIELDS, make_campaign, make_variant


@pytest.mark.parametrize(
    "text",
    [
        "=SUM(A1:A2)",
        "+1 free bag",
        "-50% today",
        "@home",
        "\tcmd",
        "\r=1+1",
        '=HYPERLINK("http://evil.example","click")',
    ],
)
def test_formula_triggers_are_neutralised(text):
    assert guard_cell(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["Fresh beans", "50% off", " =not first", "'quoted", "", "Café ☕", "1+1"]
)
def test_ordinary_text_is_left_alone(text):
    assert guard_cell(text) == text


def test_the_trigger_list_is_owasps():
    assert set(FORMULA_TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}


def test_guarding_twice_changes_nothing_more():
    once = guard_cell("=1+1")
    assert guard_cell(once) == once


def test_csv_quotes_every_cell_and_survives_commas_quotes_and_newlines():
    rows = [{"A": 'Say "hi", then\nleave', "B": "=2*3"}, {"A": "plain"}]
    data, guarded = csv_bytes(["A", "B"], rows)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines()[0] == '"A","B"'
    assert read_csv(data) == [{"A": 'Say "hi", then\nleave', "B": "'=2*3"}, {"A": "plain", "B": ""}]
    assert [(g.row, g.column, g.original) for g in guarded] == [(1, "B", "=2*3")]


def test_an_unknown_column_is_an_exporter_bug():
    with pytest.raises(ValueError, match="columns the sheet lacks"):
        csv_bytes(["A"], [{"Z": "x"}])


def test_an_exported_sheet_cannot_run_a_formula(session, people, tmp_path, asset_dir):
    campaign_id = make_campaign(session, name="=cmd|' /C calc'!A0")
    fields = dict(
        FIELDS["google_rsa"],
        headlines=['=HYPERLINK("http://x.example")', "-50% on your first bag", "@halden coffee"],
        descriptions=["+1 free bag with every order.", FIELDS["google_rsa"]["descriptions"][1]],
        path1="coffee",
    )
    variant = make_variant(session, campaign_id=campaign_id, channel="google_rsa", fields=fields)
    plan = plan_export(
        session, platform="google_ads", scope=ExportScope.campaign(campaign_id), asset_dir=asset_dir
    )
    assert plan.ok
    assert {w.location for w in plan.warnings if w.rule == "formula_guard"} == {
        "row 1 · Campaign",
        "row 1 · Ad group",
        "row 1 · Headline 1",
        "row 1 · Headline 2",
        "row 1 · Headline 3",
        "row 1 · Description 1",
    }
    output = tmp_path / "guarded.zip"
    export(
        session,
        platform="google_ads",
        scope=ExportScope.campaign(campaign_id),
        output=output,
        actor="mia",
        asset_dir=asset_dir,
    )
    session.commit()  # the zip appears with its record
    archive = zipfile.ZipFile(output)
    manifest = json.loads(archive.read("manifest.json"))
    (row,) = read_csv(archive.read(manifest["sheet"]["file"]))
    for value in row.values():
        assert not value.startswith(FORMULA_TRIGGERS), value
    assert row["Headline 1"] == "'" + fields["headlines"][0]
    assert row["Campaign"] == "'=cmd|' /C calc'!A0"
    assert len(manifest["sheet"]["formula_guarded_cells"]) == 6
    assert (
        manifest["variants"][0]["fields"] == fields
    )  # the manifest keeps the approved copy as it was
    assert variant.id == manifest["variants"][0]["id"]
