"""The formula check (OWASP CSV injection) and the file format of the sheets.

A cell a spreadsheet would run as a formula stops an export, naming the variant and the field;
the studio never writes an apostrophe (or anything else) into ad text to defuse it.
"""

from __future__ import annotations

import json
import zipfile

import pytest

from studio.export import ExportBlocked, ExportScope, export, plan_export
from studio.export.sheets import (
    FORMULA_TRIGGERS,
    SheetFormat,
    formula_cells,
    is_formula_like,
    read_sheet,
    sheet_bytes,
)
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
def test_formula_triggers_are_found(text):
    assert is_formula_like(text)


@pytest.mark.parametrize(
    "text", ["Fresh beans", "50% off", " =not first", "'quoted", "", "Café ☕", "1+1"]
)
def test_ordinary_text_is_no_formula(text):
    assert not is_formula_like(text)


def test_the_trigger_list_is_owasps():
    assert set(FORMULA_TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}


def test_cells_are_written_unchanged_and_every_cell_quoted():
    rows = [{"A": 'Say "hi", then\nleave', "B": "=2*3"}, {"A": "plain"}]
    data = sheet_bytes(["A", "B"], rows)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines()[0] == '"A","B"'
    assert read_sheet(data) == [
        {"A": 'Say "hi", then\nleave', "B": "=2*3"},
        {"A": "plain", "B": ""},
    ]
    assert formula_cells(["A", "B"], rows)[0].as_dict() == {"row": 1, "column": "B", "text": "=2*3"}


def test_utf16_tab_separated_format():
    tsv = SheetFormat(encoding="utf-16", delimiter="\t")
    data = sheet_bytes(
        ["Campaign", "Headline 1"], [{"Campaign": "Ca, fé", "Headline 1": "コーヒー"}], tsv
    )
    assert data.startswith(b"\xff\xfe")  # UTF-16LE byte-order mark
    assert data.decode("utf-16").splitlines()[0] == '"Campaign"\t"Headline 1"'
    assert read_sheet(data, tsv) == [{"Campaign": "Ca, fé", "Headline 1": "コーヒー"}]


def test_an_unknown_column_is_an_exporter_bug():
    with pytest.raises(ValueError, match="columns the sheet lacks"):
        sheet_bytes(["A"], [{"Z": "x"}])


def test_a_formula_cell_blocks_the_export_naming_variant_and_field(
    session, people, tmp_path, asset_dir
):
    campaign_id = make_campaign(session)
    fields = dict(
        FIELDS["google_rsa"],
        headlines=['=HYPERLINK("http://x.example")', "-50% on your first bag", "Fresh beans"],
        descriptions=["+1 free bag with every order.", FIELDS["google_rsa"]["descriptions"][1]],
    )
    variant = make_variant(session, campaign_id=campaign_id, channel="google_rsa", fields=fields)
    plan = plan_export(
        session, platform="google_ads", scope=ExportScope.campaign(campaign_id), asset_dir=asset_dir
    )
    assert not plan.ok
    found = {(p.variant_id, p.location, p.rule) for p in plan.problems}
    assert found == {
        (variant.id, "headlines[0]", "formula_cell"),
        (variant.id, "headlines[1]", "formula_cell"),
        (variant.id, "descriptions[0]", "formula_cell"),
    }
    message = next(p.message for p in plan.problems if p.location == "headlines[1]")
    assert "'-50% on your first bag'" in message and "reword" in message
    output = tmp_path / "blocked.zip"
    with pytest.raises(ExportBlocked) as caught:
        export(
            session,
            platform="google_ads",
            scope=ExportScope.campaign(campaign_id),
            output=output,
            actor="mia",
            asset_dir=asset_dir,
        )
    assert f"variant {variant.id} · headlines[0]" in str(caught.value)
    assert not output.exists()


def test_a_formula_like_campaign_name_is_named_by_column(session, people, asset_dir):
    campaign_id = make_campaign(session, name="=cmd|' /C calc'!A0")
    variant = make_variant(session, campaign_id=campaign_id, channel="google_rsa")
    plan = plan_export(
        session, platform="google_ads", scope=ExportScope.campaign(campaign_id), asset_dir=asset_dir
    )
    assert {(p.variant_id, p.rule) for p in plan.problems} == {(variant.id, "formula_cell")}
    assert all("column" in p.message for p in plan.problems)


def test_ad_text_is_never_altered_on_the_way_out(session, people, tmp_path, asset_dir):
    """A 30-character headline stays 30 characters: what the platform imports is what was approved."""
    campaign_id = make_campaign(session)
    headline = "Fresh beans roasted every week"
    assert len(headline) == 30
    fields = dict(FIELDS["google_rsa"], headlines=[headline, "Roasted to order", "Halden Coffee"])
    make_variant(session, campaign_id=campaign_id, channel="google_rsa", fields=fields)
    output = tmp_path / "out.zip"
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
    text = archive.read(manifest["sheet"]["file"]).decode(manifest["sheet"]["encoding"])
    assert f'"{headline}"' in text
    assert "'" + headline not in text
