"""Classes 11 and 12: the database file, the demo's database, and who the CLI trusts.

Before: ``var/studio.db`` was created world-readable (it holds password hashes and the audit
log); ``studio demo`` wrote its accounts and data into the working database; the README said of
the CLI only "the role is checked", and nothing recorded who ran a CLI action. Now the SQLite
file is created 0600 in a 0700 folder, the demo runs in its own database and refuses the working
one, the README says plainly whom the CLI trusts and why, and every audit row the CLI writes
names the operating-system user (``origin``).
"""

from __future__ import annotations

import getpass
import stat
from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from studio.cli import app
from studio.core import audit
from studio.core.database import get_engine, upgrade
from studio.core.models import User
from tests.conftest import REPO_ROOT


def test_a_new_sqlite_database_is_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "studio.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    with Session(get_engine(url)) as session:
        session.exec(select(User)).all()  # WAL and shared-memory files exist now
    for file in path.parent.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) & 0o077 == 0, (file.name, oct(file.stat().st_mode))
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    get_engine(url).dispose()


def test_an_existing_world_readable_database_is_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    get_engine(f"sqlite:///{path}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_demo_refuses_the_working_database(studio_env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["demo", "--database", studio_env["STUDIO_DATABASE_URL"]])
    assert result.exit_code == 1
    assert "is the working database" in result.output
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"])) as session:
        assert session.exec(select(User)).all() == []


def test_cli_actions_record_the_operating_system_user(studio_env: dict[str, str]) -> None:
    from studio.cli.users import PASSWORD_ENV

    result = CliRunner().invoke(
        app,
        ["users", "create-admin", "ada", "--name", "Ada"],
        env={PASSWORD_ENV: "a long admin passphrase"},
    )
    assert result.exit_code == 0, result.output
    with Session(get_engine(studio_env["STUDIO_DATABASE_URL"])) as session:
        [entry] = audit.list_entries(session, action="user.create_first_admin")
        assert entry.origin == f"cli os_user={getpass.getuser()}"
        assert f"cli os_user={getpass.getuser()}" in audit.to_csv([entry])
    # Library calls after the command are not attributed to it.
    assert (
        audit.record(
            Session(get_engine(studio_env["STUDIO_DATABASE_URL"])),
            actor="x",
            action="y",
            entity_type="z",
            entity_id=1,
        ).origin
        == ""
    )


def test_the_readme_says_whom_the_cli_trusts() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = " ".join(readme.split("### Who the CLI trusts", 1)[1].split("\n## ", 1)[0].split())
    for promise in ("does not", "--as", "operating-system user", "admin", "0600"):
        assert promise in section
