"""``studio users`` and ``studio review``: the CLI obeys the same rules as the app."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

import studio.cli.users as users_cli
from studio.cli import app
from studio.core import audit
from studio.core.database import get_engine
from studio.core.models import Role, VariantStatus
from studio.review import accounts as auth
from studio.review import queries as review_queries
from tests.conftest import REPO_ROOT
from tests.factories import make_campaign

from .conftest import add_people, make_variant

S = VariantStatus
runner = CliRunner()


@pytest.fixture
def db(studio_env: dict[str, str]) -> Session:
    return Session(get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False)


def test_create_admin_from_the_environment_then_refuses_a_second(db: Session, monkeypatch):
    monkeypatch.setenv("STUDIO_ADMIN_PASSWORD", "an admin passphrase")
    fresh = runner.invoke(app, ["users", "needs-admin"])  # what scripts/app.sh asks
    assert fresh.exit_code == 0 and "no active admin yet" in fresh.output
    result = runner.invoke(app, ["users", "create-admin", "root", "--name", "Root Admin"])
    assert result.exit_code == 0, result.output
    assert "created admin root" in result.output
    user = auth.authenticate(db, username="root", password="an admin passphrase")
    assert (user.role, user.display_name) == (Role.admin, "Root Admin")
    assert user.password_hash.startswith("$argon2id$")
    [entry] = audit.list_entries(db, action="user.create_first_admin")
    assert entry.actor == "root"
    again = runner.invoke(app, ["users", "create-admin", "second"])
    assert again.exit_code == 1 and "an admin already exists (root)" in again.output
    done = runner.invoke(app, ["users", "needs-admin"])
    assert done.exit_code == 1 and "an active admin exists" in done.output


def test_create_admin_from_a_file_and_its_mistakes(db: Session, tmp_path: Path, monkeypatch):
    monkeypatch.delenv("STUDIO_ADMIN_PASSWORD", raising=False)
    no_password = runner.invoke(app, ["users", "create-admin", "root"])
    assert no_password.exit_code == 1
    assert (
        "no password given: pass --password-file, set STUDIO_ADMIN_PASSWORD" in no_password.output
    )
    missing = runner.invoke(
        app, ["users", "create-admin", "root", "--password-file", str(tmp_path / "nope")]
    )
    assert missing.exit_code == 1 and "cannot read it" in missing.output
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    assert (
        "first line is empty"
        in runner.invoke(
            app, ["users", "create-admin", "root", "--password-file", str(empty)]
        ).output
    )
    weak = tmp_path / "weak.txt"
    weak.write_text("admin\n")
    assert (
        "use at least 12"
        in runner.invoke(
            app, ["users", "create-admin", "root", "--password-file", str(weak)]
        ).output
    )
    good = tmp_path / "good.txt"
    good.write_text("a passphrase from a file\nignored second line\n")
    result = runner.invoke(app, ["users", "create-admin", "root", "--password-file", str(good)])
    assert result.exit_code == 0, result.output
    assert auth.authenticate(db, username="root", password="a passphrase from a file")


def test_add_list_deactivate_as_a_named_admin(db: Session, tmp_path: Path):
    add_people(db)
    secret = tmp_path / "pw.txt"
    secret.write_text("a new user passphrase\n")
    refused = runner.invoke(
        app,
        [
            "users",
            "add",
            "dan",
            "--role",
            "marketer",
            "--as",
            "bea",
            "--password-file",
            str(secret),
        ],
    )
    assert (
        refused.exit_code == 1
        and "bea (brand_manager) may not add, change and deactivate users" in refused.output
    )
    added = runner.invoke(
        app,
        [
            "users",
            "add",
            "dan",
            "--role",
            "marketer",
            "--as",
            "ada",
            "--name",
            "Dan Park",
            "--password-file",
            str(secret),
        ],
    )
    assert added.exit_code == 0 and "added dan as marketer" in added.output
    listing = runner.invoke(app, ["users", "list", "--as", "ada"])
    assert "dan\tmarketer\tactive\tDan Park" in listing.output
    assert runner.invoke(app, ["users", "deactivate", "dan", "--as", "ada"]).exit_code == 0
    assert (
        "dan\tmarketer\tdeactivated" in runner.invoke(app, ["users", "list", "--as", "ada"]).output
    )
    last = runner.invoke(app, ["users", "deactivate", "ada", "--as", "ada"])
    assert last.exit_code == 1 and "only active admin" in last.output
    role = runner.invoke(
        app, ["users", "set-role", "cole", "--role", "brand_manager", "--as", "ada"]
    )
    assert role.exit_code == 0 and "cole is now brand_manager" in role.output


def test_review_commands_act_as_the_named_user(db: Session):
    add_people(db)
    campaign_id = make_campaign(db, name="CLI", landing_url="https://haldencoffee.example")
    a, b = (make_variant(db, campaign_id=campaign_id, status=S.in_review) for _ in range(2))
    draft = make_variant(db, campaign_id=campaign_id, status=S.draft)

    denied = runner.invoke(app, ["review", "approve", str(a.id), "--as", "cara"])
    assert denied.exit_code == 1 and "cara (creative) may not approve" in denied.output

    mixed = runner.invoke(app, ["review", "approve", str(a.id), str(draft.id), "--as", "bea"])
    assert mixed.exit_code == 1
    assert f"ok    variant {a.id}: in_review -> approved (approve by bea)" in mixed.output
    assert (
        f"error variant {draft.id}: cannot move variant {draft.id} from 'draft' to 'approved'"
        in mixed.output
    )
    assert "1 done, 1 refused" in mixed.output

    no_reason = runner.invoke(app, ["review", "reject", str(b.id), "--as", "bea"])
    assert no_reason.exit_code != 0 and "--reason" in no_reason.output
    blank = runner.invoke(app, ["review", "reject", str(b.id), "--as", "bea", "--reason", "  "])
    assert blank.exit_code == 1 and "write a reason" in blank.output
    ok = runner.invoke(
        app, ["review", "request-changes", str(b.id), "--as", "bea", "--comment", "Shorter"]
    )
    assert ok.exit_code == 0, ok.output
    submitted = runner.invoke(app, ["review", "submit", str(draft.id), "--as", "cara"])
    assert submitted.exit_code == 0, submitted.output

    queue = runner.invoke(app, ["review", "queue"])
    ids = [line.split("\t")[0] for line in queue.output.splitlines()[1:]]
    assert ids == [str(draft.id)]  # a was approved, b sent back
    history = runner.invoke(app, ["review", "history", str(b.id)])
    assert "in_review -> changes_requested (request_changes by bea): Shorter" in history.output
    bad_status = runner.invoke(app, ["review", "queue", "--status", "live"])
    assert bad_status.exit_code == 1 and "status 'live' does not exist" in bad_status.output
    db.expire_all()
    assert review_queries.load_variant(db, variant_id=a.id).status == S.approved


def test_review_actions_lists_what_the_named_user_may_do(db: Session):
    add_people(db)
    campaign_id = make_campaign(db, name="CLI", landing_url="https://haldencoffee.example")
    variant = make_variant(db, campaign_id=campaign_id, status=S.in_review)
    reviewer = runner.invoke(app, ["review", "actions", str(variant.id), "--as", "bea"])
    assert reviewer.exit_code == 0, reviewer.output
    assert f"variant {variant.id} is 'in_review'" in reviewer.output
    assert f"Approve: -> approved  (studio review approve {variant.id})" in reviewer.output
    assert f"(studio review reject {variant.id} --reason TEXT)" in reviewer.output
    assert f"(studio review request-changes {variant.id} --comment TEXT)" in reviewer.output
    creative = runner.invoke(app, ["review", "actions", str(variant.id), "--as", "cara"])
    assert (
        creative.exit_code == 0 and "nothing: cara may not move or edit it now" in creative.output
    )
    unknown = runner.invoke(app, ["review", "actions", str(variant.id), "--as", "nobody"])
    assert unknown.exit_code == 1 and "no user named 'nobody'" in unknown.output
    missing = runner.invoke(app, ["review", "actions", "999", "--as", "bea"])
    assert missing.exit_code == 1 and "no variant with id 999" in missing.output


def test_create_admin_states_the_rule_and_asks_again_for_a_weak_password(db: Session, monkeypatch):
    monkeypatch.delenv("STUDIO_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr(users_cli, "_is_terminal", lambda: True)  # CliRunner types for the user
    typed = ["short", "short", "root", "root", "an admin passphrase", "an admin passphrase"]
    result = runner.invoke(app, ["users", "create-admin", "root"], input="\n".join(typed) + "\n")
    assert result.exit_code == 0, result.output
    rule = "The password needs at least 12 characters"
    assert result.output.index(rule) < result.output.index("Password for the new admin")
    assert "password is 5 characters long; use at least 12" in result.output
    assert "password is 4 characters long" in result.output  # 'root' is refused too
    assert "created admin root" in result.output
    assert auth.authenticate(db, username="root", password="an admin passphrase")


def test_first_admin_script_asks_again_after_a_refused_username(studio_env, tmp_path):
    """scripts/first-admin.sh (run by scripts/app.sh) with the real CLI of this environment."""
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "scripts" / "first-admin.sh", checkout / "scripts")
    (checkout / ".venv" / "bin").mkdir(parents=True)
    (checkout / ".venv" / "bin" / "studio").symlink_to(Path(sys.executable).parent / "studio")
    done = subprocess.run(
        ["bash", "scripts/first-admin.sh"],
        cwd=checkout,
        input="Bad Name\n\nroot\n",
        env={**os.environ, "STUDIO_ADMIN_PASSWORD": "an admin passphrase"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "username 'Bad Name' is not allowed" in done.stderr
    assert done.stdout.count("Not created (the reason is above); try again") == 2
    assert "created admin root" in done.stdout
