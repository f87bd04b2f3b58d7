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


def test_tests_created_before_the_leader_share_was_stored_keep_the_share_they_ran_with(tmp_path):
    """0012: the top-two leader share used to be a constant 0.5; a test that existed then keeps
    0.5 after the upgrade, while the default for new tests is 0.85."""
    from sqlalchemy import text

    from studio.core.models import Experiment
    from studio.experiments.decisions import TestSettings
    from studio.experiments.lifecycle import settings_of

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0011")
    with get_engine(url).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO experiment (name, brand, persona, channel, policy, status, min_share,"
                " burn_in_impressions, reweight_hours, prior_source, prior_strength, objective,"
                " win_probability, max_relative_loss, fatigue_recent_days, fatigue_drop,"
                " fatigue_flag_probability, created_by, created_at) VALUES ('Old', 'halden-coffee',"
                " 'home-baristas', 'meta_feed', 'top_two', 'running', 0.01, 200, 24, 'pooled',"
                " 100, 'ctr', 0.95, 0.01, 3, 0.2, 0.9, 'mia', '2026-11-01 09:00:00')"
            )
        )
    upgrade(url)
    with Session(get_engine(url)) as session:
        (old,) = session.exec(select(Experiment)).all()
        assert old.top_two_leader_share == 0.5
        assert settings_of(old).top_two_leader_share == 0.5
    assert TestSettings().top_two_leader_share == 0.85
