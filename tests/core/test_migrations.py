"""The Alembic migrations build exactly the tables in studio/core/models.py, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import Session, SQLModel, select

from studio.core.database import MIGRATIONS_DIR, get_engine, upgrade
from studio.core.models import User
from tests.people import PEOPLE, add_people


def test_migrations_match_models(database_url):
    with get_engine(database_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == [], (
        "run `alembic revision --autogenerate` (see README): models and migrations differ"
    )


def _revision_and_tables(database_url: str) -> tuple[tuple[str, ...], list[str]]:
    with get_engine(database_url).connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
        return heads, sorted(inspect(connection).get_table_names())


def test_upgrade_is_idempotent(database_url):
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    migrated = _revision_and_tables(database_url)  # the fixture has upgraded it once
    assert migrated[0] == (head,)
    assert set(SQLModel.metadata.tables) <= set(migrated[1])
    with Session(get_engine(database_url)) as session:
        add_people(session)

    upgrade(database_url)
    upgrade(database_url)

    assert _revision_and_tables(database_url) == migrated  # still at head, same tables
    with Session(get_engine(database_url)) as session:  # and nothing stored was touched
        assert sorted(session.exec(select(User.username)).all()) == sorted(PEOPLE)
