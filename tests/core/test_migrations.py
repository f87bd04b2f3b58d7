"""The Alembic migrations build exactly the tables in studio/core/models.py, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import studio.core.models  # noqa: F401
from studio.core.database import get_engine, upgrade


def test_migrations_match_models(database_url):
    with get_engine(database_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == [], (
        "run `alembic revision --autogenerate` (see README): models and migrations differ"
    )


def test_upgrade_is_idempotent(database_url):
    upgrade(database_url)
    upgrade(database_url)
