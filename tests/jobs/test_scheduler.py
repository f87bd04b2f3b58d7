"""The worker's scheduler submits reweights of the tests that are due, once."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from studio.core.database import get_engine
from studio.core.models import JobKind, JobStatus, utcnow
from studio.jobs import queue
from studio.jobs.executors import get_executor
from studio.jobs.worker import Scheduler, Worker
from tests.factories import make_test


def test_due_tests_get_one_reweight_job_and_the_worker_runs_it(
    jobs_env: dict[str, str], database_url: str
) -> None:
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        test_id = make_test(session, n=2).id
    scheduler = Scheduler("mia", every_s=60)
    assert scheduler.tick(database_url) == []  # just started: not due for reweight_hours
    later = utcnow() + timedelta(hours=25)
    (job_id,) = scheduler.tick(database_url, now=later + timedelta(seconds=60))
    assert scheduler.tick(database_url, now=later + timedelta(seconds=61)) == []  # too soon
    # Due again, but its reweight is still queued: not submitted twice.
    assert scheduler.tick(database_url, now=later + timedelta(seconds=200)) == []
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        job = queue.get_job(session, job_id=job_id)
    assert (job.kind, job.created_by, job.params["experiment_ids"]) == (
        JobKind.reweight,
        "mia",
        [test_id],
    )
    Worker(database_url, get_executor("local"), name="w").run(once=True)
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        summary = queue.summary(session, queue.get_job(session, job_id=job_id))
    assert summary["status"] == JobStatus.done.value
    assert len(summary["outputs"]["allocation_decision"]) == 1


def test_the_drift_check_reads_the_copy_written_since_the_last_one(
    jobs_env: dict[str, str], database_url: str
) -> None:
    from studio.core.audit import list_entries

    with Session(get_engine(database_url), expire_on_commit=False) as session:
        make_test(session, n=2)  # two approved variants, written now
    scheduler = Scheduler("mia", every_s=60)
    later = utcnow() + timedelta(minutes=5)
    scheduler.tick(database_url, now=later)
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        (entry,) = list_entries(session, action="ctr.drift_check")
        assert entry.actor == "mia" and entry.after["texts"] == 2
        assert 0 <= entry.after["novel_share"] <= 1
        # Nothing new since: no second entry.
        assert scheduler.check_drift(session, now=later + timedelta(minutes=5)) is None
