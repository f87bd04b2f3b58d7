"""The worker's scheduler submits reweights of the tests that are due, once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

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


def test_a_worker_started_as_app_sh_starts_it_runs_the_scheduled_reweight_as_the_scheduler(
    jobs_env: dict[str, str], database_url: str
) -> None:
    """scripts/app.sh starts a bare ``studio worker``: it reweights a due test on its own, and
    the audit log says the system account ``scheduler`` did it."""
    from studio.core.audit import list_entries
    from studio.core.models import AllocationDecision, Role
    from studio.review.account_queries import find_user
    from tests.jobs.test_worker_process import start_worker, stop, wait_for

    with Session(get_engine(database_url), expire_on_commit=False) as session:
        # Started 25 hours ago (its first split decided then): due for the 24-hour reweight.
        test_id = make_test(session, n=2, now=utcnow() - timedelta(hours=25)).id

    def reweighted() -> bool:
        with Session(get_engine(database_url)) as session:
            return len(list_entries(session, action="experiment.reweight")) > 0

    worker = start_worker("--poll", "0.2")  # the arguments scripts/app.sh gives: none but these
    wait_for(reweighted, "the scheduled reweight", worker)
    output = stop(worker)
    assert "scheduler as scheduler" in output

    with Session(get_engine(database_url), expire_on_commit=False) as session:
        (reweight,) = list_entries(session, action="experiment.reweight")
        (created,) = list_entries(session, action="user.create_system")
        (job,) = queue.list_jobs(session, kinds=[JobKind.reweight])
        account = find_user(session, username="scheduler")
        decisions = session.exec(
            select(AllocationDecision).where(AllocationDecision.experiment_id == test_id)
        ).all()
    assert (reweight.actor, reweight.entity_id) == ("scheduler", str(test_id))
    assert (job.created_by, job.params, job.status) == (
        "scheduler",
        {"experiment_ids": [test_id], "scheduled": True},
        JobStatus.done,
    )
    assert created.actor == "scheduler" and created.after["role"] == "marketer"
    assert account is not None and account.role == Role.marketer and account.is_active
    assert len(decisions) == 2  # the one at the start, and the scheduled one


def test_the_scheduler_account_is_added_once_and_a_deactivated_one_stops_the_scheduler(
    jobs_env: dict[str, str], database_url: str
) -> None:
    from studio.core.audit import list_entries
    from studio.jobs.worker import SCHEDULER_ACCOUNT, scheduler_account
    from studio.review.accounts import AuthenticationFailed, set_active

    first = scheduler_account(database_url)
    again = scheduler_account(database_url)
    assert first.id == again.id and first.username == SCHEDULER_ACCOUNT
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        assert len(list_entries(session, action="user.create_system")) == 1
        set_active(session, actor="ada", username=SCHEDULER_ACCOUNT, active=False)
        session.commit()
        make_test(session, n=2, now=utcnow() - timedelta(hours=25))
    with pytest.raises(AuthenticationFailed, match="'scheduler' is deactivated"):
        Scheduler(SCHEDULER_ACCOUNT).tick(database_url)
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        assert queue.list_jobs(session, kinds=[JobKind.reweight]) == []


# The advisory lock is PostgreSQL's; SQLite runs one worker, behind its single writer lock.
@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_tick_waits_for_another_workers_tick_and_sees_its_reweight(
    jobs_env: dict[str, str], database_url: str
) -> None:
    from studio.jobs.worker import _lock_schedule

    with Session(get_engine(database_url), expire_on_commit=False) as session:
        test_id = make_test(session, n=2, now=utcnow() - timedelta(hours=25)).id
    submitted: list[list[int]] = []
    with Session(get_engine(database_url), expire_on_commit=False) as other:
        _lock_schedule(other)  # another worker's scheduler, in the middle of its tick
        ticking = threading.Thread(
            target=lambda: submitted.append(Scheduler("mia").tick(database_url))
        )
        ticking.start()
        ticking.join(timeout=1.0)
        assert ticking.is_alive()  # waiting for the other tick
        queue.submit(
            other,
            kind=JobKind.reweight,
            params={"experiment_ids": [test_id], "scheduled": True},
            actor="mia",
        )
        other.commit()  # ends the other tick
    ticking.join(timeout=60)
    assert submitted == [[]]  # it saw the other tick's reweight: not submitted twice
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        assert len(queue.list_jobs(session, kinds=[JobKind.reweight])) == 1
