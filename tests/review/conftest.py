"""People and variants for the review tests, on the suite's ``session`` (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlmodel import Session

from studio.core.database import get_engine, upgrade
from studio.core.models import User, Variant, VariantStatus
from tests import factories
from tests.people import PASSWORD, PEOPLE, add_people, password_hash  # noqa: F401

META_FIELDS = factories.FIELDS["meta_feed"]


def make_variant(
    session: Session,
    *,
    campaign_id: int,
    status: VariantStatus = VariantStatus.draft,
    **kwargs: Any,
) -> Variant:
    """A variant stored at ``status`` as is: these tests exercise the state machine itself, from
    every status, so the variant must not get there through it (see tests.factories)."""
    return factories.make_variant(
        session, campaign_id=campaign_id, status=status, through_review=False, **kwargs
    )


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Session, int]]:
    """One migrated SQLite database with everyone in it, shared by a module's many small cases
    (each makes its own variants); migrating a database per case would cost more than the cases."""
    url = f"sqlite:///{tmp_path_factory.mktemp('shared') / 'studio.db'}"
    upgrade(url)
    with Session(get_engine(url), expire_on_commit=False) as db_session:
        add_people(db_session)
        yield db_session, factories.make_campaign(db_session, name="Shared")
    get_engine(url).dispose()


@pytest.fixture
def people(session: Session) -> dict[str, User]:
    return add_people(session)


@pytest.fixture
def campaign_id(session: Session) -> int:
    return factories.make_campaign(session)


@pytest.fixture
def variant_factory(
    session: Session, campaign_id: int, people: dict[str, User]
) -> Callable[..., Variant]:
    def factory(**kwargs: object) -> Variant:
        return make_variant(session, campaign_id=campaign_id, **kwargs)  # type: ignore[arg-type]

    return factory
