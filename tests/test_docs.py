"""Documentation that must not drift from the code."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from studio.core.settings import Settings
from tests.conftest import REPO_ROOT

#: Every plug-in group the studio reads (studio.core.plugins).
PLUGIN_GROUPS = (
    "studio.copy_writers",
    "studio.image_backends",
    "studio.video_backends",
    "studio.export_platforms",
)


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


def _declared_plugins() -> dict[str, dict[str, str]]:
    """The studio's own entry points, by group, as pyproject.toml declares them."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    return {
        group: dict(entry_points)
        for group, entry_points in project.get("entry-points", {}).items()
        if group.startswith("studio.")
    }


def test_every_built_in_plugin_is_documented_in_the_readme():
    declared = _declared_plugins()
    assert set(declared) == set(PLUGIN_GROUPS), "pyproject.toml lost or gained a plug-in group"
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("\n## Adding a backend\n", 1)[1].split("\n## ", 1)[0]
    rows = {
        cells[1].strip().strip("`"): cells[4]
        for cells in (line.split("|") for line in section.splitlines())
        if len(cells) > 4 and cells[1].strip().startswith("`studio.")
    }
    problems = [f"no row for group {group}" for group in declared if group not in rows]
    for group, built_in in rows.items():
        documented = set(re.findall(r"`([^`]+)`", built_in))
        registered = set(declared.get(group, {}))
        problems += [f"{group}: {name} is registered but not documented" for name in sorted(registered - documented)]  # fmt: skip
        problems += [f"{group}: {name} is documented but not registered" for name in sorted(documented - registered)]  # fmt: skip
    assert problems == [], f"README.md's 'Adding a backend' table: {problems}"


def test_the_installed_entry_points_are_the_declared_ones():
    declared = {
        (group, name, value)
        for group, entry_points in _declared_plugins().items()
        for name, value in entry_points.items()
    }
    installed = {
        (ep.group, ep.name, ep.value)
        for ep in metadata.distribution("studio").entry_points
        if ep.group.startswith("studio.")
    }
    assert installed == declared, (
        "the installed studio's entry points differ from pyproject.toml; "
        "reinstall it: pip install --no-deps -e ."
    )
