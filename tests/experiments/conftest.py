"""People, approved variants and hand-made ad-platform reports for the creative-test tests.

The variants and the report builders live in :mod:`tests.factories` (variants reach
``approved`` through the real review state machine; reports are written exactly as Meta Ads
Manager and Google Ads export them); the tests of this package import them from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from studio.core.models import Experiment, Variant
from studio.experiments import lifecycle
from tests.factories import google_csv, make_test, make_variants, meta_csv  # noqa: F401
from tests.people import add_people

#: Tests start the day before their first delivery day (report rows dated before the start of a
#: test are not its delivery).
START = datetime(2024, 4, 30, 12, 0, tzinfo=UTC)


def start_test(session: Session, variants: Sequence[Variant], **settings: object) -> Experiment:
    """A running test of ``variants`` started by mia at :data:`START` with these
    :class:`~studio.experiments.lifecycle.TestSettings`; committed."""
    return make_test(
        session,
        variants=variants,
        settings=lifecycle.TestSettings(**settings),  # type: ignore[arg-type]
        now=START,
    )


@pytest.fixture
def people(session: Session) -> Session:
    add_people(session)
    return session
