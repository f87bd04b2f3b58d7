"""Alembic environment: the engine comes from :func:`studio.core.database.upgrade` (or STUDIO_DATABASE_URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine
from sqlmodel import SQLModel

import studio.core.models  # noqa: F401  (registers every table on SQLModel.metadata)

target_metadata = SQLModel.metadata


def _engine() -> Engine:
    engine: Engine | None = context.config.attributes.get("engine")
    if engine is None:
        from studio.core.database import get_engine
        from studio.core.settings import get_settings

        engine = get_engine(get_settings().database_url)
    return engine


def run_migrations_online() -> None:
    with _engine().connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
