"""The queue on SQLite and PostgreSQL: submit, claim, finish, retry with backoff, reclaim, cancel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from studio.core.audit import list_entries
from studio.core.database import get_engine
from studio.core.models import Asset, Job, JobItem, JobKind, JobStatus, utcnow
from studio.imaging.formats import formats_for
from studio.jobs import queue
from studio.jobs.errors import JobError, TransientError
from studio.jobs.executors import get_executor
from studio.jobs.worker import Worker
from studio.review.accounts import PermissionDenied
from tests.jobs.conftest import PREVIEW_OPTIONS, make_variant_ids


def _submit(url: str, kind: str, params: dict[str, Any], actor: str = "cara") -> int:
    with Session(get_engine(url), expire_on_commit=False) as session:
        job = queue.submit(session, kind=kind, params=params, actor=actor)
        session.commit()
        assert job.id is not None
        return job.id


def _job(url: str, job_id: int) -> Job:
    with Session(get_engine(url), expire_on_commit=False) as session:
        return queue.get_job(session, job_id=job_id)


def _items(url: str, job_id: int) -> list[JobItem]:
    with Session(get_engine(url), expire_on_commit=False) as session:
        return queue.list_items(session, job_id=job_id)


def _summary(url: str, job_id: int) -> dict[str, Any]:
    with Session(get_engine(url), expire_on_commit=False) as session:
        return queue.summary(session, queue.get_job(session, job_id=job_id))


def _keep(result: dict[str, Any]):  # type: ignore[no-untyped-def]
    """A commit that stores nothing and returns ``result`` as the item's result."""

    def commit(session: Session, job: Job, item: JobItem, payload: dict[str, Any]) -> Any:
        return result

    return commit


def test_submit_splits_a_render_job_into_one_item_per_variant_and_audits_it(
    jobs_env: dict[str, str], database_url: str
) -> None:
    variant_ids = make_variant_ids(database_url, 3)
    job_id = _submit(
        database_url, "render", {"variant_ids": variant_ids, "options": PREVIEW_OPTIONS}
    )
    job = _job(database_url, job_id)
    assert (job.kind, job.status, job.items_total, job.created_by) == (
        JobKind.render,
        JobStatus.queued,
        3,
        "cara",
    )
    items = _items(database_url, job_id)
    assert [i.idempotency_key for i in items] == [f"variant:{v}" for v in variant_ids]
    assert all(i.status == JobStatus.queued and i.attempts == 0 for i in items)
    with Session(get_engine(database_url)) as session:
        (entry,) = list_entries(session, action="job.submit")
    assert (entry.actor, entry.entity_id, entry.after["items"]) == ("cara", str(job_id), 3)


def test_submit_checks_the_permission_of_the_action_it_wraps(
    jobs_env: dict[str, str], database_url: str
) -> None:
    variant_ids = make_variant_ids(database_url, 1)
    with pytest.raises(PermissionDenied, match="generate"):
        _submit(database_url, "render", {"variant_ids": variant_ids}, actor="mia")
    with pytest.raises(PermissionDenied, match="export"):
        _submit(database_url, "export", {"platform": "meta", "variant_ids": variant_ids})


def test_submit_refuses_bad_params_before_queueing_anything(
    jobs_env: dict[str, str], database_url: str
) -> None:
    with pytest.raises(Exception, match=r"scale must be 0\.05-1"):
        _submit(database_url, "render", {"variant_ids": [1], "options": {"scale": 3}})
    with pytest.raises(Exception, match=r"render options \['colour'\] are unknown"):
        _submit(database_url, "render", {"variant_ids": [1], "options": {"colour": "red"}})
    with pytest.raises(Exception, match="There is no job kind 'paint'"):
        _submit(database_url, "paint", {})
    with pytest.raises(JobError, match="nothing to do"):
        _submit(database_url, "render", {"variant_ids": []})
    with Session(get_engine(database_url)) as session:
        assert session.exec(select(Job)).all() == []


def test_claim_hands_each_item_to_one_worker_and_marks_the_job_running(
    jobs_env: dict[str, str], database_url: str
) -> None:
    job_id = _submit(database_url, "render", {"variant_ids": make_variant_ids(database_url, 3)})
    first = queue.claim(database_url, worker="w1", limit=2)
    second = queue.claim(database_url, worker="w2", limit=2)
    assert len(first) == 2 and len(second) == 1
    assert {c.item_id for c in first}.isdisjoint({c.item_id for c in second})
    assert queue.claim(database_url, worker="w3", limit=2) == []
    assert _job(database_url, job_id).status == JobStatus.running
    assert {i.claimed_by for i in _items(database_url, job_id)} == {"w1", "w2"}


def test_finishing_every_item_ends_the_job_with_its_outputs(
    jobs_env: dict[str, str], database_url: str
) -> None:
    job_id = _submit(database_url, "render", {"variant_ids": make_variant_ids(database_url, 2)})
    for n, claimed in enumerate(queue.claim(database_url, worker="w1", limit=5)):
        status = queue.finish_item(
            database_url,
            item_id=claimed.item_id,
            worker="w1",
            outcome=claimed.payload,
            commit=_keep({"outputs": {"asset": [10 + n, 20]}}),
        )
        assert status == JobStatus.done
    assert _summary(database_url, job_id) == {
        "id": job_id,
        "kind": "render",
        "status": "done",
        "items_total": 2,
        "items_done": 2,
        "items_failed": 0,
        "outputs": {"asset": [10, 20, 11]},
    }
    assert _job(database_url, job_id).finished_at is not None


def test_a_transient_error_is_retried_with_exponential_backoff_then_fails(
    jobs_env: dict[str, str], database_url: str
) -> None:
    job_id = _submit(database_url, "render", {"variant_ids": make_variant_ids(database_url, 1)})
    policy = queue.RetryPolicy(max_attempts=3, backoff_s=10, max_backoff_s=600)
    now = utcnow()
    waits = []
    for attempt in (1, 2, 3):
        assert queue.claim(database_url, worker="w", now=now - timedelta(seconds=1)) == []
        (claimed,) = queue.claim(database_url, worker="w", now=now)
        assert claimed.attempt == attempt
        status = queue.finish_item(
            database_url,
            item_id=claimed.item_id,
            worker="w",
            outcome=TransientError("the image server is away"),
            commit=_keep({}),
            policy=policy,
            now=now,
        )
        (item,) = _items(database_url, job_id)
        if attempt < 3:
            assert status == JobStatus.queued
            waits.append((item.next_attempt_at - now).total_seconds())
            now = item.next_attempt_at
        else:
            assert status == JobStatus.failed
    assert waits == [10.0, 20.0]
    job = _job(database_url, job_id)
    assert (job.status, job.items_failed, job.items_done) == (JobStatus.failed, 1, 0)
    assert "the image server is away" in job.error and "1 of 1 items failed" in job.error


def test_any_other_error_fails_the_item_at_once_with_its_message(
    jobs_env: dict[str, str], database_url: str
) -> None:
    job_id = _submit(database_url, "render", {"variant_ids": make_variant_ids(database_url, 2)})
    claimed = queue.claim(database_url, worker="w", limit=2)

    def refuse(session: Session, job: Job, item: JobItem, payload: dict[str, Any]) -> Any:
        raise JobError("variant has no headline")

    assert (
        queue.finish_item(
            database_url, item_id=claimed[0].item_id, worker="w", outcome={}, commit=refuse
        )
        == JobStatus.failed
    )
    assert (
        queue.finish_item(
            database_url, item_id=claimed[1].item_id, worker="w", outcome={}, commit=_keep({})
        )
        == JobStatus.done
    )
    items = _items(database_url, job_id)
    assert [i.status for i in items] == [JobStatus.failed, JobStatus.done]
    assert items[0].error == "JobError: variant has no headline" and items[0].attempts == 1
    assert _job(database_url, job_id).status == JobStatus.failed


def test_a_lost_worker_s_items_are_reclaimed_and_its_late_result_is_dropped(
    jobs_env: dict[str, str], database_url: str
) -> None:
    job_id = _submit(database_url, "render", {"variant_ids": make_variant_ids(database_url, 1)})
    (lost,) = queue.claim(database_url, worker="lost")
    assert queue.reclaim(database_url, timeout_s=60) == []  # still beating
    later = utcnow() + timedelta(seconds=61)
    assert queue.reclaim(database_url, timeout_s=60, now=later) == [lost.item_id]
    (item,) = _items(database_url, job_id)
    assert item.status == JobStatus.queued and "stopped answering" in item.error
    (again,) = queue.claim(database_url, worker="new", now=later)
    assert again.attempt == 2
    assert (
        queue.finish_item(
            database_url,
            item_id=lost.item_id,
            worker="lost",
            outcome={},
            commit=_keep({"outputs": {"asset": [1]}}),
        )
        is None
    )
    assert (
        queue.finish_item(
            database_url,
            item_id=again.item_id,
            worker="new",
            outcome={},
            commit=_keep({"outputs": {"asset": [2]}}),
        )
        == JobStatus.done
    )
    assert _summary(database_url, job_id)["outputs"] == {"asset": [2]}


def test_an_item_that_loses_every_worker_fails_after_its_attempts(
    jobs_env: dict[str, str], database_url: str
) -> None:
    job_id = _submit(database_url, "render", {"variant_ids": make_variant_ids(database_url, 1)})
    policy = queue.RetryPolicy(max_attempts=2)
    now = utcnow()
    for _ in range(2):
        queue.claim(database_url, worker="w", now=now)
        now += timedelta(seconds=200)
        queue.reclaim(database_url, timeout_s=120, policy=policy, now=now)
    (item,) = _items(database_url, job_id)
    assert item.status == JobStatus.failed and "stopped answering" in item.error
    assert _job(database_url, job_id).status == JobStatus.failed


def test_cancel_stops_queued_items_drops_running_ones_and_retry_requeues_them(
    jobs_env: dict[str, str], database_url: str
) -> None:
    variant_ids = make_variant_ids(database_url, 3)
    job_id = _submit(database_url, "render", {"variant_ids": variant_ids})
    (running,) = queue.claim(database_url, worker="w")
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        with pytest.raises(PermissionDenied):
            queue.cancel(session, job_id=job_id, actor="mia")
        queue.cancel(session, job_id=job_id, actor="cole")
        session.commit()
    assert _job(database_url, job_id).status == JobStatus.cancelled
    assert queue.claim(database_url, worker="w2", limit=5) == []
    assert (
        queue.finish_item(
            database_url,
            item_id=running.item_id,
            worker="w",
            outcome={},
            commit=_keep({"outputs": {"asset": [1]}}),
        )
        == JobStatus.cancelled
    )
    assert [i.status for i in _items(database_url, job_id)] == [JobStatus.cancelled] * 3
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        with pytest.raises(JobError, match="already cancelled"):
            queue.cancel(session, job_id=job_id, actor="cara")
        session.rollback()
        queue.retry(session, job_id=job_id, actor="cara")
        session.commit()
        actions = [e.action for e in list_entries(session, entity_type="job")]
    assert actions == ["job.retry", "job.cancel", "job.submit"]
    assert _job(database_url, job_id).status == JobStatus.queued
    worker = Worker(database_url, get_executor("local"), name="w3", claim_size=5)
    assert worker.run(once=True) == 3
    summary = _summary(database_url, job_id)
    assert (summary["status"], summary["items_done"]) == ("done", 3)


def test_a_render_job_run_twice_creates_each_asset_once(
    jobs_env: dict[str, str], database_url: str
) -> None:
    variant_ids = make_variant_ids(database_url, 2)
    params = {"variant_ids": variant_ids, "options": PREVIEW_OPTIONS}
    first = _submit(database_url, "render", params)
    worker = Worker(database_url, get_executor("local"), name="w", claim_size=5)
    assert worker.run(once=True) == 2
    made = _summary(database_url, first)
    per_variant = len([f for f in formats_for("meta_feed") if f.kind == "image"])
    assert made["status"] == "done" and len(made["outputs"]["asset"]) == 2 * per_variant
    second = _submit(database_url, "render", params)
    worker.run(once=True)
    assert _summary(database_url, second)["outputs"] == made["outputs"]
    with Session(get_engine(database_url)) as session:
        assets = session.exec(select(Asset)).all()
    assert sorted(a.id for a in assets) == sorted(made["outputs"]["asset"])
    assert {a.variant_id for a in assets} == set(variant_ids)
