"""Fixtures for the jobs tests: settings pointed at the test database, people, variants."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from studio.core.database import get_engine
from studio.core.settings import get_settings
from tests.factories import make_campaign, make_variant
from tests.people import add_people

#: Small, image-only renders: fast, and still the real backends, compositor and QC.
PREVIEW_OPTIONS = {"scale": 0.1, "video": False}


@pytest.fixture
def jobs_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, brand_dir: Path, database_url: str
) -> Iterator[dict[str, str]]:
    """``get_settings()`` on the test database (SQLite and PostgreSQL), brand copy and asset dir;
    the shared people added."""
    env = {
        "STUDIO_DATABASE_URL": database_url,
        "STUDIO_BRAND_DIR": str(brand_dir),
        "STUDIO_ASSET_DIR": str(tmp_path / "assets"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        add_people(session)
    yield env
    get_settings.cache_clear()


def make_variant_ids(database_url: str, n: int, *, channel: str = "meta_feed") -> list[int]:
    """``n`` draft variants in one new campaign; committed."""
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        campaign_id = make_campaign(session)
        ids = [
            make_variant(
                session,
                campaign_id=campaign_id,
                channel=channel,
                headline=f"Fresh beans, batch {k}",
                seed=k,
            ).id
            for k in range(n)
        ]
        session.commit()
    return [i for i in ids if i is not None]
