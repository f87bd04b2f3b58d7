"""Documentation that must not drift from the code."""

from __future__ import annotations

from studio.core.settings import Settings
from tests.conftest import REPO_ROOT


def test_every_setting_is_documented_in_the_readme():
    readme = (REPO_ROOT / "README.md").read_text()
    missing = [
        f"STUDIO_{name.upper()}"
        for name in Settings.model_fields
        if f"`STUDIO_{name.upper()}`" not in readme
    ]
    assert missing == [], f"document these settings in README.md's Settings table: {missing}"


def test_ci_runs_the_readme_test_command():
    readme = (REPO_ROOT / "README.md").read_text()
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in readme and "bash scripts/test.sh" in ci
    assert "bash scripts/app.sh" in readme
