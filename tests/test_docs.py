"""Documentation that must not drift from the code."""

from __future__ import annotations

import ast
import re
import tomllib
from importlib import metadata

import pytest

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


def test_readme_names_what_the_first_run_script_reads():
    """A new user finds the port setting and the non-interactive admin set-up in the README."""
    readme = (REPO_ROOT / "README.md").read_text()
    script = (REPO_ROOT / "scripts" / "app.sh").read_text()
    assert "STUDIO_PORT" in script and "`STUDIO_PORT`" in readme
    assert "--password-file" in readme and "STUDIO_ADMIN_PASSWORD" in readme
    assert "scripts/first-admin.sh" in script and "scripts/first-admin.sh" in readme


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
        problems += [
            f"{group}: {name} is registered but not documented"
            for name in sorted(registered - documented)
        ]
        problems += [
            f"{group}: {name} is documented but not registered"
            for name in sorted(documented - registered)
        ]
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


def _studio_modules() -> tuple[set[str], set[str]]:
    """Every package and every module under studio/, as dotted names, from the file tree."""
    packages, modules = set(), set()
    for path in (REPO_ROOT / "studio").rglob("*.py"):
        parts = path.relative_to(REPO_ROOT).with_suffix("").parts
        if "__pycache__" in parts:
            continue
        if parts[-1] == "__init__":
            packages.add(".".join(parts[:-1]))
        else:
            modules.add(".".join(parts))
    return packages, modules


def _top_level_names(module: str) -> set[str]:
    """Names a module defines at its top level (classes, functions, assignments, imports)."""
    path = REPO_ROOT.joinpath(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def test_architecture_page_has_one_line_per_package():
    page = (REPO_ROOT / "docs" / "architecture.md").read_text()
    packages, _ = _studio_modules()
    table = page.split("## Packages", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `(studio[\w.]*)` \|", table, flags=re.MULTILINE)
    missing = sorted(packages - set(listed))
    assert missing == [], (
        f"add a line for each of these packages to docs/architecture.md: {missing}"
    )
    not_packages = sorted(set(listed) - packages)
    assert not_packages == [], (
        f"docs/architecture.md lists packages that do not exist: {not_packages}"
    )
    assert len(listed) == len(set(listed)), f"a package is listed twice: {listed}"


#: Pages whose module names and repository paths must exist.
DOC_PAGES = ["README.md", "CONTRIBUTING.md", "docs/architecture.md"]


@pytest.mark.parametrize("name", DOC_PAGES)
def test_docs_name_only_modules_and_files_that_exist(name):
    page = (REPO_ROOT / name).read_text()
    packages, modules = _studio_modules()
    unknown = []
    # `studio.x.y` must be a module, or a name that a module defines at its top level.
    for dotted in sorted(set(re.findall(r"`(studio(?:\.\w+)+)", page))):
        if dotted in packages | modules or dotted in PLUGIN_GROUPS:  # entry-point groups
            continue
        owner, _, attribute = dotted.rpartition(".")
        if owner in packages | modules and attribute in _top_level_names(owner):
            continue
        unknown.append(dotted)
    # `studio/...`, `tests/...` and the other repository paths must exist.
    for path in sorted(
        set(re.findall(r"`((?:studio|tests|docs|scripts|benchmarks)/[\w./-]*)`", page))
    ):
        if not (REPO_ROOT / path).exists():
            unknown.append(path)
    assert unknown == [], f"{name} names modules or files that do not exist: {unknown}"


def test_cli_reference_is_what_the_generator_writes():
    from studio.cli.reference import REGENERATE, render_reference

    page = REPO_ROOT / "docs" / "cli.md"
    assert page.exists(), f"docs/cli.md is missing; generate it: {REGENERATE}"
    assert page.read_text() == render_reference(), (
        f"docs/cli.md is out of date with the studio commands; regenerate it: {REGENERATE}"
    )


def test_cli_reference_covers_every_command_and_option():
    """The generator itself misses nothing: each command and each option flag has its place."""
    import typer.main

    from studio.cli import app
    from studio.cli.reference import render_reference

    page = render_reference()
    root = typer.main.get_command(app)

    def walk(command, path):
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, f"{path} {name}")

    for path, command in walk(root, "studio"):
        section = page.split(f"\n## {path}\n", 1)
        assert len(section) == 2, f"no section for `{path}` in the CLI reference"
        body = section[1].split("\n## ", 1)[0]
        for param in command.params:
            for flag in param.opts:
                if flag.startswith("-"):
                    assert flag in body, f"`{path}` option {flag} is missing from its section"
            if param.help:
                assert param.help.replace("|", "\\|") in body, f"`{path}` {param.name} help"


def test_readme_links_the_generated_references():
    readme = (REPO_ROOT / "README.md").read_text()
    assert "(docs/cli.md)" in readme and "(docs/architecture.md)" in readme


def _same_default(documented: str, value: object) -> bool:
    """Whether README.md's default cell states ``value`` (numbers compare as numbers)."""
    if isinstance(value, bool):
        return documented == str(value).lower()
    if isinstance(value, int | float):
        return float(documented) == value
    return documented == str(value)


def test_readme_settings_table_shows_the_real_defaults():
    readme = (REPO_ROOT / "README.md").read_text()
    wrong = []
    for name, field in Settings.model_fields.items():
        row = re.search(rf"^\| `STUDIO_{name.upper()}` \| `([^`]*)` \|", readme, re.MULTILINE)
        if row is None:  # no default, or one described in words, e.g. "(shipped model)"
            assert field.default is None, f"README.md: give STUDIO_{name.upper()}'s default"
            continue
        if not _same_default(row.group(1), field.default):
            wrong.append(f"STUDIO_{name.upper()}: README {row.group(1)!r}, code {field.default!r}")
    assert wrong == [], f"README.md's Settings table disagrees with studio.core.settings: {wrong}"


def test_the_default_database_stays_where_installs_keep_it():
    """Existing installs keep their data in var/studio.db; moving the default loses it."""
    assert Settings.model_fields["database_url"].default == "sqlite:///var/studio.db"


def test_changelog_moves_point_at_modules_that_exist():
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text()
    packages, modules = _studio_modules()
    moves = re.findall(r"^ *\| `(studio[\w.]*)`[^|]*\| `(studio[\w.]*)`", changelog, re.MULTILINE)
    assert len(moves) >= 20, "CHANGELOG.md lost its table of moved modules"
    gone = sorted(new for _, new in moves if new not in packages | modules)
    assert gone == [], f"CHANGELOG.md's moves point at modules that do not exist: {gone}"
