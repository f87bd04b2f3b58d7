"""``studio users``: the first admin, then adding, listing and deactivating people.

The CLI acts as a named user (``--as``) whose role is checked exactly as in the app. There is
no default account and no default password: the first admin's password is typed at a prompt,
read from ``--password-file`` or from ``STUDIO_ADMIN_PASSWORD`` (for CI).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from studio.cli._common import database, fail
from studio.core.models import Role
from studio.review import accounts as auth

app = typer.Typer(help="People who sign in to the studio, and their roles.", no_args_is_help=True)

PASSWORD_ENV = "STUDIO_ADMIN_PASSWORD"
ROLES = ", ".join(r.value for r in Role)


#: The rule of :func:`studio.review.accounts.check_password_strength`, said before asking.
PASSWORD_RULE = (
    f"at least {auth.MIN_PASSWORD_LENGTH} characters (a passphrase of a few words is easiest), "
    "not the username"
)


def _is_terminal() -> bool:
    return sys.stdin.isatty()


def _ask_password(prompt: str, username: str) -> str:
    """Typed twice at a hidden prompt; the rule is stated first, and a weak one is asked again."""
    typer.echo(f"The password needs {PASSWORD_RULE}.")
    while True:
        password = str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))
        try:
            auth.check_password_strength(password, username=username)
        except auth.AuthError as exc:
            typer.echo(f"That password will not do: {exc}. Try again.", err=True)
            continue
        return password


def _read_password(
    password_file: Path | None, *, env: str | None, prompt: str, username: str
) -> str:
    """From the file (first line), else from ``env``, else typed twice at a hidden prompt."""
    if password_file is not None:
        try:
            lines = password_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            fail(f"--password-file {password_file}: cannot read it ({exc.strerror})")
        if not lines or not lines[0]:
            fail(
                f"--password-file {password_file}: the first line is empty; put the password there"
            )
        return lines[0]
    if env and os.environ.get(env):
        return os.environ[env]
    if not _is_terminal():
        where = f", set {env}" if env else ""
        fail(f"no password given: pass --password-file{where}, or run in a terminal to be asked")
    return _ask_password(prompt, username)


@app.command("create-admin")
def create_admin(
    username: str = typer.Argument(..., help="The admin's username (lowercase; an email works)."),
    display_name: str = typer.Option(
        "", "--name", help="Shown in the app (default: the username)."
    ),
    password_file: Path | None = typer.Option(
        None,
        help=f"Read the password from this file's first line (else ${PASSWORD_ENV}, else a prompt).",
    ),
) -> None:
    """Create the first admin of a fresh install (refused once an active admin exists)."""
    password = _read_password(
        password_file, env=PASSWORD_ENV, prompt="Password for the new admin", username=username
    )
    with database() as session:
        user = auth.create_first_admin(
            session, username=username, display_name=display_name or username, password=password
        )
    typer.echo(f"created admin {user.username}; sign in to the app with this username and password")


@app.command("add")
def add(
    username: str = typer.Argument(
        ..., help="The new user's username (lowercase; an email works)."
    ),
    role: str = typer.Option(..., help=f"One of: {ROLES}."),
    acting: str = typer.Option(
        ..., "--as", envvar="STUDIO_USER", help="The admin doing this (their role is checked)."
    ),
    display_name: str = typer.Option(
        "", "--name", help="Shown in the app (default: the username)."
    ),
    password_file: Path | None = typer.Option(
        None, help="Read the new user's password from this file's first line (else a prompt)."
    ),
) -> None:
    """Add a user with a role."""
    password = _read_password(
        password_file, env=None, prompt=f"Password for {username}", username=username
    )
    with database() as session:
        user = auth.create_user(
            session,
            actor=acting,
            username=username,
            display_name=display_name or username,
            role=role,
            password=password,
        )
    typer.echo(f"added {user.username} as {user.role}")


@app.command("needs-admin")
def needs_admin() -> None:
    """Exit 0 when no active admin exists yet (a fresh install: run create-admin), else 1."""
    with database() as session:
        needed = auth.needs_first_admin(session)
    if not needed:
        typer.echo("an active admin exists; they add users with `studio users add --as ADMIN`")
        raise typer.Exit(1)
    typer.echo("no active admin yet; create the first with `studio users create-admin USERNAME`")


@app.command("list")
def list_users(
    acting: str = typer.Option(..., "--as", envvar="STUDIO_USER", help="The admin asking."),
) -> None:
    """Every user: username, role, active or not, display name (admins only)."""
    with database() as session:
        rows = [
            (
                u.username,
                str(u.role),
                "active" if u.is_active else "deactivated",
                u.display_name,
            )
            for u in auth.list_users(session, actor=acting)
        ]
    for row in rows:
        typer.echo("\t".join(row))


@app.command("deactivate")
def deactivate(
    username: str = typer.Argument(..., help="Who to deactivate (their history is kept)."),
    acting: str = typer.Option(..., "--as", envvar="STUDIO_USER", help="The admin doing this."),
) -> None:
    """Deactivate a user: they are signed out at their next request and cannot sign in."""
    with database() as session:
        auth.set_active(session, actor=acting, username=username, active=False)
    typer.echo(f"deactivated {username}")


@app.command("activate")
def activate(
    username: str = typer.Argument(..., help="Who to reactivate."),
    acting: str = typer.Option(..., "--as", envvar="STUDIO_USER", help="The admin doing this."),
) -> None:
    """Reactivate a deactivated user."""
    with database() as session:
        auth.set_active(session, actor=acting, username=username, active=True)
    typer.echo(f"activated {username}")


@app.command("set-role")
def set_role(
    username: str = typer.Argument(..., help="Whose role to change."),
    role: str = typer.Option(..., help=f"One of: {ROLES}."),
    acting: str = typer.Option(..., "--as", envvar="STUDIO_USER", help="The admin doing this."),
) -> None:
    """Change a user's role (takes effect at their next action)."""
    with database() as session:
        auth.set_role(session, actor=acting, username=username, role=role)
    typer.echo(f"{username} is now {role}")


@app.command("set-password")
def set_password(
    username: str = typer.Argument(..., help="Whose password to set."),
    acting: str = typer.Option(
        ..., "--as", envvar="STUDIO_USER", help="The user themselves, or an admin."
    ),
    password_file: Path | None = typer.Option(
        None, help="Read the password from this file's first line."
    ),
) -> None:
    """Set a new password (for yourself, or as an admin for anyone)."""
    password = _read_password(
        password_file, env=None, prompt=f"New password for {username}", username=username
    )
    with database() as session:
        auth.set_password(session, actor=acting, username=username, password=password)
    typer.echo(f"password set for {username}")
