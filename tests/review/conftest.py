"""People and variants for the review tests, on the suite's ``session`` (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlmodel import Session

from studio.copy import variants as variant_queries
from studio.core.database import get_engine, upgrade
from studio.core.models import User, Variant, VariantStatus
from tests.people import PASSWORD, PEOPLE, add_people, password_hash  # noqa: F401

META_FIELDS = {
    "primary_text": "Beans roasted to order and shipped fresh to your door. New subscribers only. Cancel anytime.",
    "headline": "Find your roast",
    "description": "Tasting notes with every bag",
    "call_to_action": "SHOP_NOW",
}


def make_variant(
    session: Session,
    *,
    campaign_id: int,
    status: VariantStatus = VariantStatus.draft,
    created_by: str = "cara",
    persona: str = "home-baristas",
    fields: dict[str, object] | None = None,
    predicted_ctr: float | None = None,
) -> Variant:
    variant = Variant(
        campaign_id=campaign_id,
        brand="halden-coffee",
        persona=persona,
        channel="meta_feed",
        fields=dict(fields or META_FIELDS),
        status=status,
        backend="offline",
        model="offline-v1",
        seed=7,
        prompt_template="copy/meta_feed",
        prompt_hash="0" * 64,
        prompt="brief",
        created_by=created_by,
        predicted_ctr=predicted_ctr,
    )
    session.add(variant)
    session.commit()
    return variant


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Session, int]]:
    """One migrated SQLite database with everyone in it, shared by a module's many small cases
    (each makes its own variants); migrating a database per case would cost more than the cases."""
    url = f"sqlite:///{tmp_path_factory.mktemp('shared') / 'studio.db'}"
    upgrade(url)
    with Session(get_engine(url), expire_on_commit=False) as db_session:
        add_people(db_session)
        campaign = variant_queries.create_campaign(
            db_session,
            brand="halden-coffee",
            name="Shared",
            objective="traffic",
            landing_url="https://haldencoffee.example",
            created_by="cara",
        )
        db_session.commit()
        assert campaign.id is not None
        yield db_session, campaign.id
    get_engine(url).dispose()


@pytest.fixture
def people(session: Session) -> dict[str, User]:
    return add_people(session)


@pytest.fixture
def campaign_id(session: Session) -> int:
    campaign = variant_queries.create_campaign(
        session,
        brand="halden-coffee",
        name="Spring subscriptions",
        objective="traffic",
        landing_url="https://haldencoffee.example/spring",
        created_by="cara",
    )
    session.commit()
    assert campaign.id is not None
    return campaign.id


@pytest.fixture
def variant_factory(
    session: Session, campaign_id: int, people: dict[str, User]
) -> Callable[..., Variant]:
    def factory(**kwargs: object) -> Variant:
        return make_variant(session, campaign_id=campaign_id, **kwargs)  # type: ignore[arg-type]

    return factory
