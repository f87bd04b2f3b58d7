"""``studio generate``: variants saved as drafts and written to CSV or JSON."""

from __future__ import annotations

import csv
import json

from sqlmodel import Session, select
from typer.testing import CliRunner

from studio.cli import app
from studio.core.database import get_engine
from studio.core.models import Variant

runner = CliRunner()


def test_generate_saves_drafts_and_writes_json(people_env, tmp_path):
    out = tmp_path / "variants.json"
    result = runner.invoke(
        app,
        [
            "generate",
            "--brand",
            "ledgerly",
            "--persona",
            "freelancers",
            "--channel",
            "tiktok",
            "--channel",
            "google_rsa",
            "-n",
            "2",
            "--objective",
            "leads",
            "--output",
            str(out),
            "--as",
            "cara",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "4 drafts saved, 0 flagged" in result.output
    records = json.loads(out.read_text())
    assert len(records) == 4 and {r["channel"] for r in records} == {"tiktok", "google_rsa"}
    assert all(r["prompt_template"] == "copy.j2" and r["backend"] == "offline" for r in records)
    with Session(get_engine(people_env["STUDIO_DATABASE_URL"])) as session:
        rows = session.exec(select(Variant)).all()
    assert sorted(r.id for r in rows) == sorted(r["variant_id"] for r in records)
    assert all(
        r.status == "draft" and r.created_by == "cara" and r.persona == "freelancers" for r in rows
    )


def test_generate_writes_csv_with_one_column_per_field(people_env, tmp_path):
    out = tmp_path / "variants.csv"
    result = runner.invoke(
        app,
        [
            "generate",
            "-b",
            "halden-coffee",
            "-p",
            "gift-buyers",
            "-c",
            "google_rsa",
            "-n",
            "1",
            "-o",
            str(out),
            "--as",
            "ada",
        ],
    )
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(out.open()))
    headlines = json.loads(row["headlines"])
    assert 3 <= len(headlines) <= 15 and all(len(h) <= 30 for h in headlines)
    assert row["persona"] == "gift-buyers" and row["seed"] == "0" and row["flagged"] == "False"


def test_bad_arguments_are_named(people_env, tmp_path):
    result = runner.invoke(app, ["generate", "-b", "ledgerly", "-p", "astronauts", "--as", "cara"])
    assert (
        result.exit_code == 1
        and "no persona 'astronauts'" in result.output
        and "freelancers" in result.output
    )
    result = runner.invoke(app, ["generate", "-b", "nope", "--as", "cara"])
    assert result.exit_code == 1 and "Known: halden-coffee, ledgerly." in result.output
    result = runner.invoke(app, ["generate", "-b", "ledgerly", "-c", "fax", "--as", "cara"])
    assert result.exit_code == 1 and "There is no channel 'fax'" in result.output
    result = runner.invoke(
        app, ["generate", "-b", "ledgerly", "-o", str(tmp_path / "out.xlsx"), "--as", "cara"]
    )
    assert result.exit_code == 1 and "must end in .csv or .json" in result.output
    result = runner.invoke(
        app, ["generate", "-b", "ledgerly", "--objective", "fame", "--as", "cara"]
    )
    assert result.exit_code == 1 and "objective 'fame' is not allowed" in result.output


def test_only_roles_that_may_generate_can(people_env):
    args = ["generate", "-b", "ledgerly", "-p", "freelancers", "-c", "tiktok", "-n", "1", "--as"]
    result = runner.invoke(app, [*args, "bea"])
    assert result.exit_code == 1 and "bea" in result.output and "generate" in result.output
    result = runner.invoke(app, [*args, "nobody"])
    assert result.exit_code == 1 and "no user named 'nobody'" in result.output
    with Session(get_engine(people_env["STUDIO_DATABASE_URL"])) as session:
        assert session.exec(select(Variant)).all() == []


def test_openai_without_a_server_fails_clearly_and_saves_nothing(people_env, monkeypatch):
    monkeypatch.setenv("STUDIO_LLM_BACKEND", "openai")
    monkeypatch.delenv("STUDIO_OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    from studio.core.settings import get_settings

    get_settings.cache_clear()
    result = runner.invoke(
        app,
        [
            "generate",
            "-b",
            "ledgerly",
            "-p",
            "freelancers",
            "-c",
            "tiktok",
            "-n",
            "1",
            "--as",
            "cara",
        ],
    )
    assert result.exit_code == 1 and "STUDIO_OPENAI_API_KEY" in result.output
    with Session(get_engine(people_env["STUDIO_DATABASE_URL"])) as session:
        assert session.exec(select(Variant)).all() == []


def test_generate_refuses_an_unbacked_offer_or_rewrites_it_with_a_warning(people_env):
    base = ["generate", "-b", "halden-coffee", "-p", "gift-buyers", "-c", "tiktok", "-n", "1"]
    base += ["--offer", "60% off your first bag", "--as", "cara"]
    refused = runner.invoke(app, base)
    assert refused.exit_code != 0
    assert "'60%'" in refused.output and "first-bag-50" in refused.output
    with Session(get_engine(people_env["STUDIO_DATABASE_URL"])) as session:
        assert session.exec(select(Variant)).all() == []
    rewritten = runner.invoke(app, [*base, "--offer-policy", "rewrite"])
    assert rewritten.exit_code == 0, rewritten.output
    assert "warning: offer rewritten from '60% off your first bag'" in rewritten.output
    unknown = runner.invoke(app, [*base, "--offer-policy", "ignore"])
    assert unknown.exit_code != 0 and "allowed: refuse, rewrite" in unknown.output
