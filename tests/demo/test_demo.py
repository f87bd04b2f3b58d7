"""``studio demo`` runs the whole journey through the library, as the README promises."""

from __future__ import annotations

import json
import zipfile

from sqlmodel import Session, select
from typer.testing import CliRunner

from studio.cli import app
from studio.core import audit
from studio.core.database import get_engine
from studio.core.models import Experiment, ExportRecord, User, Variant, VariantStatus


def test_demo_goes_from_brand_to_exported_winner(studio_env, tmp_path):
    demo_url = f"sqlite:///{tmp_path / 'demo' / 'studio.db'}"
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "--variants",
            "3",
            "--days",
            "30",
            "--database",
            demo_url,
            "--asset-dir",
            str(tmp_path / "demo-assets"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Demo finished." in result.output and "password:" in result.output
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"])) as working:
        # The demo has its own database: the working one is untouched (tests/security).
        assert working.exec(select(User)).all() == []
    with Session(get_engine(demo_url)) as session:
        assert {u.username for u in session.exec(select(User)).all()} == {
            "demo-creative",
            "demo-reviewer",
            "demo-marketer",
        }
        [experiment] = session.exec(select(Experiment)).all()
        assert experiment.winner_arm_id is not None and experiment.status == "completed"
        statuses = sorted(str(v.status) for v in session.exec(select(Variant)).all())
        assert statuses.count(VariantStatus.exported.value) == 1
        assert all(v.predicted_ctr is not None for v in session.exec(select(Variant)).all())
        [record] = session.exec(select(ExportRecord)).all()
        actions = {e.action for e in audit.list_entries(session, limit=10_000)}
    assert {"export.create"} <= actions
    with zipfile.ZipFile(record.file_name) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert any(name.startswith("media/") for name in archive.namelist())
    assert len(manifest["variants"]) == 1


def test_demo_rejects_an_unknown_brand(studio_env):
    result = CliRunner().invoke(app, ["demo", "--brand", "acme"])
    assert result.exit_code == 1
    assert "brand 'acme' is not a valid brand" in result.output
