"""Fixtures shared by the whole suite.

Database tests take ``database_url`` (or ``session``), which runs each test on SQLite *and* on
PostgreSQL. The PostgreSQL server comes from ``STUDIO_TEST_POSTGRES_URL`` (``scripts/test.sh``
starts one on 127.0.0.1); each test gets a fresh database on it, migrated by Alembic.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from studio.brand.guidelines import BrandCatalog, load_catalog
from studio.core.database import get_engine, upgrade
from studio.core.settings import get_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
UPWORTHY_CSV = SHARED_DIR / "data" / "upworthy" / "upworthy-exploratory-dev.csv.gz"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _postgres_database() -> Iterator[str]:
    server_url = os.environ.get("STUDIO_TEST_POSTGRES_URL")
    if not server_url:
        pytest.skip(
            "STUDIO_TEST_POSTGRES_URL is not set (scripts/test.sh starts a PostgreSQL server)"
        )
    name = f"studio_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        get_engine(url).dispose()
        get_engine.cache_clear()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: SQLite in a temp folder, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'studio.db'}"
        upgrade(url)
        yield url
        get_engine(url).dispose()
    else:
        for url in _postgres_database():
            upgrade(url)
            yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database, for tests that are not about the database engine."""
    url = f"sqlite:///{tmp_path / 'studio.db'}"
    upgrade(url)
    return url


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    with Session(get_engine(database_url), expire_on_commit=False) as db_session:
        yield db_session


@pytest.fixture
def brand_dir(tmp_path: Path) -> Path:
    """A private copy of the example brands that a test may edit or break."""
    target = tmp_path / "brand_guidelines"
    shutil.copytree(REPO_ROOT / "brand_guidelines", target)
    return target


@pytest.fixture
def catalog(brand_dir: Path) -> BrandCatalog:
    loaded = load_catalog(brand_dir)
    assert not loaded.errors, loaded.errors
    return loaded


@pytest.fixture
def studio_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, brand_dir: Path, sqlite_url: str
) -> Iterator[dict[str, str]]:
    """Point ``get_settings()`` at a temp database, brand copy and asset folder (CLI and AppTest)."""
    env = {
        "STUDIO_DATABASE_URL": sqlite_url,
        "STUDIO_BRAND_DIR": str(brand_dir),
        "STUDIO_ASSET_DIR": str(tmp_path / "assets"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()


@pytest.fixture
def sign_in(studio_env: dict[str, str]):  # type: ignore[no-untyped-def]
    """``sign_in(at, "bea")`` signs an AppTest in as one of tests.people's accounts (created once)."""
    from studio.review import accounts as auth
    from studio.ui.auth import SIGNIN_KEY
    from tests.people import add_people

    with Session(
        get_engine(studio_env["STUDIO_DATABASE_URL"]), expire_on_commit=False
    ) as db_session:
        people = add_people(db_session)

    def _sign_in(at, username: str):  # type: ignore[no-untyped-def]
        at.session_state[SIGNIN_KEY] = auth.start_session(people[username], ttl_minutes=60)
        return at

    return _sign_in


@pytest.fixture(scope="session")
def upworthy_csv() -> Path:
    if not UPWORTHY_CSV.is_file():
        pytest.skip(
            f"the shared Upworthy data is not at {UPWORTHY_CSV} (it sits beside the checkout in CI)"
        )
    return UPWORTHY_CSV
