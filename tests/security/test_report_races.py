"""Class 3: report imports must never count a day twice.

Before: nothing in the database made (test, arm, day) unique; two importers racing both read
"no row for this day yet" and both inserted (6 of 8 races on SQLite, 3 of 8 on PostgreSQL), and
inside one file two rows for the same ad and day were summed (or, when identical, one dropped).
Now a unique constraint ``uq_arm_result_arm_day`` holds one row per test, arm and day and every
row goes in with ``INSERT ... ON CONFLICT DO NOTHING``; rows repeating an ad and day inside one
file are refused with their line numbers.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from studio.core.database import get_engine
from studio.core.models import ArmResult
from studio.experiments.reports import import_report
from tests.experiments.conftest import meta_csv
from tests.experiments.test_reports import _import, _test

TODAY = date(2024, 6, 1)
DAYS = [date(2024, 5, 1) + timedelta(days=d) for d in range(30)]  # after the test started


def _report(arms, impressions: int) -> bytes:  # type: ignore[no-untyped-def]
    return meta_csv(
        [
            dict(day=day.isoformat(), ad_name=a.ad_name, impressions=impressions + i, clicks=i % 7)
            for i, day in enumerate(DAYS)
            for a in arms
        ],
        with_id=False,
    )


@pytest.mark.parametrize("same_file", [True, False], ids=["same-file", "other-numbers"])
def test_two_importers_racing_never_double_count(
    session: Session, people, database_url: str, same_file: bool
) -> None:
    """2 importers x 30 days x 3 arms, started together, each in its own session."""
    experiment, arms = _test(session, n=3)
    reports = [_report(arms, 1000), _report(arms, 1000 if same_file else 2000)]
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def importer(index: int) -> None:
        with Session(get_engine(database_url), expire_on_commit=False) as mine:
            barrier.wait()
            try:
                outcomes[index] = import_report(
                    mine,
                    experiment_id=experiment.id,
                    data=reports[index],  # type: ignore[arg-type]
                    file_name=f"report-{index}.csv",
                    actor="mia",
                    today=TODAY,
                )
                mine.commit()
            except Exception as exc:  # the assertion below shows it
                mine.rollback()
                outcomes[index] = exc

    threads = [threading.Thread(target=importer, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes

    rows = session.exec(select(ArmResult).where(ArmResult.experiment_id == experiment.id)).all()
    assert len(rows) == 30 * 3
    assert len({(r.arm_id, r.day) for r in rows}) == 30 * 3
    imported = sum(o.imported for o in outcomes)  # type: ignore[attr-defined]
    assert imported == 90
    if same_file:
        assert sum(o.duplicates for o in outcomes) == 90  # type: ignore[attr-defined]
    else:
        # Whoever lost a day is told, per row, that it was counted with other numbers.
        refused = [b for o in outcomes for b in o.bad_rows]  # type: ignore[attr-defined]
        assert len(refused) == 90
        assert all("already imported with other numbers" in b.reason for b in refused)


def test_the_database_refuses_a_second_row_for_an_arm_and_day(session: Session, people) -> None:
    experiment, arms = _test(session)
    fields = dict(experiment_id=experiment.id, arm_id=arms[0].id, day=DAYS[0], source="x")
    session.add(ArmResult(impressions=10, clicks=1, row_key="a", **fields))
    session.commit()
    session.add(ArmResult(impressions=20, clicks=2, row_key="b", **fields))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_rows_repeating_an_ad_and_day_in_one_file_are_refused_not_summed_or_dropped(
    session: Session, people
) -> None:
    experiment, arms = _test(session)
    day = DAYS[0].isoformat()
    data = meta_csv(
        [
            # Two identical rows (a placement breakdown where both placements got the same)...
            dict(day=day, ad_name=arms[0].ad_name, impressions=500, clicks=5),
            dict(day=day, ad_name=arms[0].ad_name, impressions=500, clicks=5),
            # ...and two different rows for the other ad (a partial and a full day).
            dict(day=day, ad_name=arms[1].ad_name, impressions=400, clicks=4),
            dict(day=day, ad_name=arms[1].ad_name, impressions=900, clicks=9),
            dict(day=DAYS[1].isoformat(), ad_name=arms[1].ad_name, impressions=300, clicks=3),
        ],
        with_id=False,
    )
    result = _import(session, experiment, data)
    assert (result.imported, result.duplicates) == (1, 0)
    assert [b.line for b in result.bad_rows] == [2, 3, 4, 5]
    assert "2 rows (lines 2, 3)" in result.bad_rows[0].reason
    assert "without breakdowns" in result.bad_rows[0].reason
    rows = session.exec(select(ArmResult).where(ArmResult.experiment_id == experiment.id)).all()
    assert [(r.arm_id, r.day, r.impressions) for r in rows] == [(arms[1].id, DAYS[1], 300)]
