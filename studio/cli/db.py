"""``studio db``: schema migrations."""

from __future__ import annotations

import typer

from studio.cli._common import settings
from studio.core.database import database_label
from studio.core.database import upgrade as upgrade_database

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Alembic revision to upgrade to.")) -> None:
    """Create or migrate the database at STUDIO_DATABASE_URL to the latest schema."""
    config = settings()
    upgrade_database(config.database_url, revision)
    typer.echo(f"database {database_label(config.database_url)} is at revision {revision}")
