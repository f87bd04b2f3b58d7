"""People, approved variants and hand-made ad-platform reports for the creative-test tests.

The variants and the report builders live in :mod:`tests.factories` (variants reach
``approved`` through the real review state machine; reports are written exactly as Meta Ads
Manager and Google Ads export them); the tests of this package import them from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, col, select

from studio.core.models import Arm, Experiment, Variant, saved_id
from studio.experiments import lifecycle
from studio.experiments.reports import ImportResult, import_report
from tests.factories import google_csv, make_test, make_variants, meta_csv  # noqa: F401
from tests.people import add_people

#: Tests start the day before their first delivery day (report rows dated before the start of a
#: test are not its delivery).
START = datetime(2024, 4, 30, 12, 0, tzinfo=UTC)


def start_test(
    session: Session,
    variants: Sequence[Variant] | None = None,
    *,
    fatigue: lifecycle.FatigueSettings | None = None,
    **settings: object,
) -> Experiment:
    """A running test of ``variants`` (two new approved ones unless given) started by mia at
    :data:`START` with these :class:`~studio.experiments.lifecycle.TestSettings`; committed."""
    return make_test(
        session,
        variants=variants,
        settings=lifecycle.TestSettings(**settings),  # type: ignore[arg-type]
        fatigue=fatigue,
        now=START,
    )


def arms_of(session: Session, experiment: Experiment) -> list[Arm]:
    """The test's arms in the order they were added (A, B, ...)."""
    query = select(Arm).where(Arm.experiment_id == experiment.id).order_by(col(Arm.id))
    return list(session.exec(query).all())


def import_meta(
    session: Session, experiment: Experiment, rows: Sequence[dict[str, Any]], file_name: str
) -> ImportResult:
    """Import ``rows`` as mia in a Meta Ads Manager report without ad ids (ads by name); every
    row must be imported; committed."""
    result = import_report(
        session,
        experiment_id=saved_id(experiment),
        data=meta_csv(rows, with_id=False),
        file_name=file_name,
        actor="mia",
    )
    assert not result.bad_rows, result.bad_rows
    session.commit()
    return result


@pytest.fixture
def people(session: Session) -> Session:
    add_people(session)
    return session
