"""Helpers shared by the CLI modules: settings, a migrated database session, clean failures."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from sqlmodel import Session

from studio.core.database import session_scope, upgrade
from studio.core.settings import Settings, get_settings


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` to stderr and exit with ``code`` (no traceback for user errors).

    A command need not catch a :class:`~studio.core.errors.UserFacingError` only to call this:
    the ``studio`` group (:class:`studio.cli._StudioGroup`) fails with its message already.
    """
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def settings() -> Settings:
    return get_settings()


@contextmanager
def database() -> Iterator[Session]:
    """A session on the configured database, migrated to the latest schema first."""
    url = get_settings().database_url
    upgrade(url)
    with session_scope(url) as session:
        yield session
