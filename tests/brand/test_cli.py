"""``studio brands validate`` and ``studio db upgrade``."""

from __future__ import annotations

from sqlalchemy import inspect
from typer.testing import CliRunner

from studio.cli import app
from studio.core.database import get_engine

runner = CliRunner()


def test_validate_ok(studio_env):
    result = runner.invoke(app, ["brands", "validate"])
    assert result.exit_code == 0, result.output
    assert "2 brands valid" in result.output


def test_validate_lists_every_problem_and_fails(studio_env, brand_dir):
    (brand_dir / "ledgerly" / "logo.png").unlink()
    persona = brand_dir / "halden-coffee" / "personas" / "gift-buyers.yaml"
    persona.write_text(persona.read_text().replace("locale: en-GB", "locale: british"))
    result = runner.invoke(app, ["brands", "validate"])
    assert result.exit_code == 1
    assert "ledgerly/guideline.yaml: logo: file 'logo.png' does not exist" in result.output
    assert (
        "halden-coffee/personas/gift-buyers.yaml: locale: 'british' is not a locale"
        in result.output
    )
    assert "ok  halden-coffee" in result.output


def test_db_upgrade_creates_tables(monkeypatch, tmp_path):
    from studio.core.settings import get_settings

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("STUDIO_DATABASE_URL", url)
    get_settings.cache_clear()
    result = runner.invoke(app, ["db", "upgrade"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert {"variant", "audit_log", "alembic_version"} <= set(
        inspect(get_engine(url)).get_table_names()
    )
