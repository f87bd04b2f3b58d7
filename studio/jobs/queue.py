"""The job queue in the database: submit, claim, heartbeat, reclaim, finish, cancel, retry.

A job is split into items when it is submitted (its kind's ``prepare``); workers claim items,
compute them and commit their results one item at a time, so a job survives the browser tab,
the app and the worker that started it.

Claiming is safe with several workers:

* PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` hands each queued item to one worker while
  the others skip it, so any number of workers on any number of machines share a queue;
* SQLite: the claim is one ``BEGIN IMMEDIATE`` transaction (the database's single writer lock),
  enough for the one worker the embedded default runs.

A worker renews ``heartbeat_at`` on the items it holds; an item whose heartbeat is older than the
timeout (its worker was killed or lost) is taken back and queued again, and after
``RetryPolicy.max_attempts`` such losses it fails with the reason. A result is committed only by
the worker that still holds the item, in the same transaction that marks it done, and kinds key
what they create by the item's idempotency key, so a reclaimed item never creates twice.

Worker-side functions (:func:`claim`, :func:`heartbeat`, :func:`reclaim`, :func:`finish_item`)
run their own transactions on ``database_url``; person-side functions (:func:`submit`,
:func:`cancel`, :func:`retry`) check the person's permission, write an audit entry and leave the
commit to the caller, like the rest of the library.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from studio.core import audit
from studio.core.database import get_engine
from studio.core.errors import InvalidValue, NotFound, StudioError
from studio.core.models import Job, JobItem, JobKind, JobStatus, saved_id, utcnow
from studio.jobs.errors import JobError, TransientError
from studio.review import accounts as auth

#: Statuses after which nothing more happens to a job or an item.
FINISHED = frozenset({JobStatus.done, JobStatus.failed, JobStatus.cancelled})
#: How long a worker may stay silent before its items are taken back (seconds).
HEARTBEAT_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class RetryPolicy:
    """How often an item is tried and how long to wait between tries.

    Attempt ``k`` (1-based) that fails with a :class:`TransientError` is tried again after
    ``min(backoff_s * 2 ** (k - 1), max_backoff_s)`` seconds, until ``max_attempts`` attempts
    were made; a worker lost while holding the item also counts as an attempt.
    """

    max_attempts: int = 3
    backoff_s: float = 5.0
    max_backoff_s: float = 600.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise InvalidValue(f"max_attempts is {self.max_attempts}; allowed: 1 or more")
        if self.backoff_s < 0 or self.max_backoff_s < self.backoff_s:
            raise InvalidValue(
                f"backoff_s ({self.backoff_s}) must be >= 0 and at most max_backoff_s "
                f"({self.max_backoff_s})"
            )

    def delay_s(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return float(min(self.backoff_s * 2 ** max(0, attempt - 1), self.max_backoff_s))


@dataclass(frozen=True)
class ItemSpec:
    """One item a kind's ``prepare`` asks for: what it makes (``key``) and its input."""

    key: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Claimed:
    """An item a worker now holds, with what it needs to run it."""

    item_id: int
    job_id: int
    kind: JobKind
    payload: dict[str, Any]
    attempt: int


# --------------------------------------------------------------------------------------------
# Transactions
# --------------------------------------------------------------------------------------------


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _begin_write(session: Session) -> None:
    """Start the session's transaction as a writer: ``BEGIN IMMEDIATE`` on SQLite.

    SQLite's default transactions take the write lock at their first write, so two claimers
    could both read the same queued item; an immediate transaction takes it at once (waiting
    up to the engine's busy timeout). PostgreSQL locks rows instead (``FOR UPDATE``).
    """
    if _is_sqlite(session):
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def _worker_session(database_url: str) -> Session:
    return Session(get_engine(database_url), expire_on_commit=False)


def _locked_job(session: Session, job_id: int) -> Job:
    job = session.exec(
        select(Job)
        .where(Job.id == job_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if job is None:
        raise NotFound("job", job_id, hint="`studio jobs list` shows the jobs.")
    return job


def _locked_item(session: Session, item_id: int) -> JobItem | None:
    return session.exec(
        select(JobItem)
        .where(JobItem.id == item_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


# --------------------------------------------------------------------------------------------
# Person side: submit, cancel, retry, read
# --------------------------------------------------------------------------------------------


def permission_for(kind: JobKind | str) -> auth.Permission:
    """The permission a job of ``kind`` needs: that of the action it wraps."""
    from studio.jobs.kinds import get_kind

    return get_kind(kind).permission


def submit(session: Session, *, kind: JobKind | str, params: dict[str, Any], actor: str) -> Job:
    """Queue a job of ``kind`` with ``params`` as ``actor`` and return it at once (flushed).

    The kind's ``prepare`` checks the params and splits the job into items now, so a bad
    request fails here, before any work is queued. ``actor`` needs the permission of the action
    the job wraps (``generate`` for generate and render, ``export`` for export, ``run_tests``
    for report imports, reweights and retraining); the library checks it again when each item
    is committed. Audited (``job.submit``). The caller commits.
    """
    from studio.jobs.kinds import get_kind

    handler = get_kind(kind)
    auth.require(session, username=actor, permission=handler.permission)
    job = Job(kind=handler.kind, params=dict(params), created_by=actor)
    session.add(job)
    session.flush()
    specs = handler.prepare(session, job)
    if not specs:
        raise JobError(f"a {handler.kind} job with {params} has nothing to do")
    keys = [spec.key for spec in specs]
    if len(set(keys)) != len(keys):
        raise JobError(f"{handler.kind} prepared two items with the same key: {sorted(keys)}")
    for position, spec in enumerate(specs):
        session.add(
            JobItem(
                job_id=saved_id(job),
                position=position,
                idempotency_key=spec.key,
                payload=spec.payload,
            )
        )
    job.items_total = len(specs)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="job.submit",
        entity_type="job",
        entity_id=saved_id(job),
        after={"kind": job.kind, "params": job.params, "items": job.items_total},
    )
    return job


def get_job(session: Session, *, job_id: int) -> Job:
    job = session.get(Job, job_id, populate_existing=True)
    if job is None:
        raise NotFound("job", job_id, hint="`studio jobs list` shows the jobs.")
    return job


def list_jobs(
    session: Session,
    *,
    statuses: Sequence[JobStatus] | None = None,
    kinds: Sequence[JobKind] | None = None,
    created_by: str | None = None,
    limit: int = 100,
) -> list[Job]:
    """Newest first."""
    query = select(Job)
    if statuses:
        query = query.where(col(Job.status).in_(list(statuses)))
    if kinds:
        query = query.where(col(Job.kind).in_(list(kinds)))
    if created_by:
        query = query.where(Job.created_by == created_by)
    query = query.order_by(col(Job.id).desc()).limit(limit)
    return list(session.exec(query.execution_options(populate_existing=True)).all())


def list_items(session: Session, *, job_id: int) -> list[JobItem]:
    """A job's items in the order they were prepared."""
    query = select(JobItem).where(JobItem.job_id == job_id).order_by(col(JobItem.position))
    return list(session.exec(query.execution_options(populate_existing=True)).all())


def outputs_of(session: Session, job: Job) -> dict[str, list[int]]:
    """What ``job`` created so far: entity type -> ids, in item order, each id once."""
    if job.status in FINISHED and job.outputs:
        return {key: list(ids) for key, ids in job.outputs.items()}
    return _collect_outputs(list_items(session, job_id=saved_id(job)))


def _collect_outputs(items: Sequence[JobItem]) -> dict[str, list[int]]:
    outputs: dict[str, list[int]] = {}
    for item in items:
        if item.status != JobStatus.done:
            continue
        for key, ids in item.result.get("outputs", {}).items():
            known = outputs.setdefault(key, [])
            known.extend(i for i in ids if i not in known)
    return outputs


def summary(session: Session, job: Job) -> dict[str, Any]:
    """The job as ``studio jobs show --json`` prints it."""
    return {
        "id": saved_id(job),
        "kind": str(job.kind),
        "status": str(job.status),
        "items_total": job.items_total,
        "items_done": job.items_done,
        "items_failed": job.items_failed,
        "outputs": outputs_of(session, job),
    }


def cancel(session: Session, *, job_id: int, actor: str) -> Job:
    """Stop ``job_id``: queued items are cancelled now; an item a worker is running finishes
    its computation, but its result is thrown away instead of committed.

    ``actor`` needs the permission of the job's kind. Audited (``job.cancel``). The caller commits.
    """
    job = _locked_job(session, job_id)
    auth.require(session, username=actor, permission=permission_for(job.kind))
    if job.status in FINISHED:
        raise JobError(f"job {job_id} is already {job.status}; nothing to cancel")
    before = {"status": job.status}
    now = utcnow()
    # SKIP LOCKED: an item being claimed right now is left to its worker, which sees the job
    # cancelled and drops it (waiting for it instead could deadlock with that claim).
    queued = session.exec(
        select(JobItem)
        .where(JobItem.job_id == job_id, JobItem.status == JobStatus.queued)
        .with_for_update(skip_locked=True)
    ).all()
    for item in queued:
        item.status, item.finished_at = JobStatus.cancelled, now
        session.add(item)
    job.status, job.finished_at = JobStatus.cancelled, now
    job.outputs = _collect_outputs(list_items(session, job_id=job_id))
    session.add(job)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="job.cancel",
        entity_type="job",
        entity_id=job_id,
        before=before,
        after={"status": job.status, "items_cancelled": len(queued)},
    )
    return job


def retry(session: Session, *, job_id: int, actor: str) -> Job:
    """Queue again the failed and cancelled items of a failed or cancelled job.

    Items already done stay done (their outputs are kept, not made again). ``actor`` needs the
    permission of the job's kind. Audited (``job.retry``). The caller commits.
    """
    job = _locked_job(session, job_id)
    auth.require(session, username=actor, permission=permission_for(job.kind))
    if job.status not in (JobStatus.failed, JobStatus.cancelled):
        raise JobError(
            f"job {job_id} is {job.status}; only failed or cancelled jobs can be retried"
        )
    items = [
        item
        for item in list_items(session, job_id=job_id)
        if item.status in (JobStatus.failed, JobStatus.cancelled)
    ]
    if not items:
        raise JobError(f"job {job_id} has no failed or cancelled items to retry")
    now = utcnow()
    for item in items:
        item.status, item.attempts, item.error = JobStatus.queued, 0, ""
        item.claimed_by, item.heartbeat_at, item.finished_at = None, None, None
        item.next_attempt_at = now
        session.add(item)
    before = {"status": job.status, "items_failed": job.items_failed}
    job.status, job.finished_at, job.error = JobStatus.queued, None, ""
    job.items_failed = 0
    session.add(job)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="job.retry",
        entity_type="job",
        entity_id=job_id,
        before=before,
        after={"status": job.status, "items_requeued": len(items)},
    )
    return job


# --------------------------------------------------------------------------------------------
# Worker side: claim, heartbeat, reclaim, finish
# --------------------------------------------------------------------------------------------


def claim(
    database_url: str,
    *,
    worker: str,
    limit: int = 1,
    kinds: Sequence[JobKind] | None = None,
    now: datetime | None = None,
) -> list[Claimed]:
    """Hand up to ``limit`` queued items whose time has come to ``worker`` (one transaction).

    Items are taken oldest job first, in prepared order; a job's first claim marks it running.
    """
    moment = now or utcnow()
    with _worker_session(database_url) as session:
        _begin_write(session)
        query = (
            select(JobItem)
            .join(Job, col(Job.id) == col(JobItem.job_id))
            .where(
                JobItem.status == JobStatus.queued,
                col(JobItem.next_attempt_at) <= moment,
                col(Job.status).in_([JobStatus.queued, JobStatus.running]),
            )
            .order_by(col(JobItem.job_id), col(JobItem.position))
            .limit(limit)
            .with_for_update(skip_locked=True, of=JobItem)
        )
        if kinds:
            query = query.where(col(Job.kind).in_(list(kinds)))
        items = list(session.exec(query).all())
        claimed: list[Claimed] = []
        jobs: dict[int, Job] = {}
        for item in items:
            item.status, item.claimed_by = JobStatus.running, worker
            item.heartbeat_at, item.attempts = moment, item.attempts + 1
            session.add(item)
            job = jobs.get(item.job_id) or session.get(Job, item.job_id)
            assert job is not None  # the join found it
            jobs[item.job_id] = job
            claimed.append(
                Claimed(saved_id(item), item.job_id, job.kind, dict(item.payload), item.attempts)
            )
        for job in jobs.values():
            if job.status == JobStatus.queued:
                job.status, job.started_at = JobStatus.running, job.started_at or moment
                session.add(job)
        session.commit()
        return claimed


def heartbeat(
    database_url: str, *, worker: str, item_ids: Sequence[int], now: datetime | None = None
) -> int:
    """Renew the heartbeat of the items ``worker`` still holds; returns how many it holds."""
    if not item_ids:
        return 0
    with _worker_session(database_url) as session:
        _begin_write(session)
        items = session.exec(
            select(JobItem).where(
                col(JobItem.id).in_(list(item_ids)),
                JobItem.claimed_by == worker,
                JobItem.status == JobStatus.running,
            )
        ).all()
        for item in items:
            item.heartbeat_at = now or utcnow()
            session.add(item)
        session.commit()
        return len(items)


def reclaim(
    database_url: str,
    *,
    timeout_s: float = HEARTBEAT_TIMEOUT_S,
    policy: RetryPolicy | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Take back running items whose heartbeat is older than ``timeout_s``; returns their ids.

    Each is queued again, or fails (with the reason) once it has had ``policy.max_attempts``
    attempts, so an item that kills every worker that runs it does not loop forever.
    """
    policy = policy or RetryPolicy()
    moment = now or utcnow()
    cutoff = moment - timedelta(seconds=timeout_s)
    with _worker_session(database_url) as session:
        _begin_write(session)
        stale = session.exec(
            select(JobItem)
            .where(JobItem.status == JobStatus.running, col(JobItem.heartbeat_at) < cutoff)
            .order_by(col(JobItem.id))
            .with_for_update(skip_locked=True)
        ).all()
        for item in stale:
            lost = (
                f"worker {item.claimed_by} stopped answering (no heartbeat for "
                f"{timeout_s:g} s) during attempt {item.attempts}"
            )
            job = _locked_job(session, item.job_id)
            if item.attempts >= policy.max_attempts:
                _settle(session, job, item, JobStatus.failed, error=lost, now=moment)
            else:
                item.status, item.claimed_by, item.heartbeat_at = JobStatus.queued, None, None
                item.error, item.next_attempt_at = lost, moment
                session.add(item)
        session.commit()
        return [saved_id(item) for item in stale]


def release(database_url: str, *, worker: str, item_ids: Sequence[int]) -> int:
    """Give back items ``worker`` claimed but did not start (it is stopping); returns how many.

    The attempt they were claimed for is not counted.
    """
    if not item_ids:
        return 0
    with _worker_session(database_url) as session:
        _begin_write(session)
        items = session.exec(
            select(JobItem).where(
                col(JobItem.id).in_(list(item_ids)),
                JobItem.claimed_by == worker,
                JobItem.status == JobStatus.running,
            )
        ).all()
        for item in items:
            item.status, item.claimed_by, item.heartbeat_at = JobStatus.queued, None, None
            item.attempts = max(0, item.attempts - 1)
            session.add(item)
        session.commit()
        return len(items)


Committer = Callable[[Session, Job, JobItem, dict[str, Any]], dict[str, Any]]


def finish_item(
    database_url: str,
    *,
    item_id: int,
    worker: str,
    outcome: dict[str, Any] | BaseException,
    commit: Committer,
    policy: RetryPolicy | None = None,
    now: datetime | None = None,
) -> JobStatus | None:
    """Record what running ``item_id`` gave: commit a result, or fail or retry an error.

    ``outcome`` is the compute's result for the item or the exception it raised. A result is
    passed to ``commit(session, job, item, result)`` (the kind's commit), which stores what the
    item makes and returns the item's result (``{"outputs": {type: [ids]}, ...}``); it runs in
    the transaction that marks the item done, and only while ``worker`` still holds the item
    (a worker whose item was reclaimed commits nothing). A :class:`TransientError` from the
    compute or the commit queues the item again after a backoff while attempts remain; any
    other error fails the item with its message. Returns the item's new status, or ``None``
    when ``worker`` no longer held it.
    """
    policy = policy or RetryPolicy()
    error: BaseException | None = outcome if isinstance(outcome, BaseException) else None
    with _worker_session(database_url) as session:
        _begin_write(session)
        item = _held(session, item_id, worker)
        if item is None:
            return None
        job = session.get(Job, item.job_id, populate_existing=True)
        assert job is not None  # foreign key
        if job.status == JobStatus.cancelled:
            _settle(session, _locked_job(session, job.id or 0), item, JobStatus.cancelled)
            session.commit()
            return JobStatus.cancelled
        if error is None:
            assert not isinstance(outcome, BaseException)
            try:
                result = commit(session, job, item, outcome)
            except Exception as exc:  # the item fails or is retried; the worker goes on
                session.rollback()
                error = exc
            else:
                # A kind's library call may have committed on its own (an export): take the
                # item again to record it, still only if this worker holds it.
                item = _held(session, item_id, worker) if not session.in_transaction() else item
                if item is None:
                    return None
                _settle(
                    session,
                    _locked_job(session, item.job_id),
                    item,
                    JobStatus.done,
                    result=result,
                    now=now,
                )
                session.commit()
                return JobStatus.done
        held = _held(session, item_id, worker)
        if held is None:
            return None
        return _record_error(session, held, error, policy, now or utcnow())


def _held(session: Session, item_id: int, worker: str) -> JobItem | None:
    if not session.in_transaction():
        _begin_write(session)
    item = _locked_item(session, item_id)
    if item is None or item.status != JobStatus.running or item.claimed_by != worker:
        return None
    return item


def _record_error(
    session: Session, item: JobItem, error: BaseException, policy: RetryPolicy, now: datetime
) -> JobStatus:
    message = f"{type(error).__name__}: {error}".strip()
    job = _locked_job(session, item.job_id)
    if isinstance(error, TransientError) and item.attempts < policy.max_attempts:
        delay = policy.delay_s(item.attempts)
        item.status, item.claimed_by, item.heartbeat_at = JobStatus.queued, None, None
        item.error = f"attempt {item.attempts} failed, retrying in {delay:g} s: {message}"
        item.next_attempt_at = now + timedelta(seconds=delay)
        session.add(item)
        session.commit()
        return JobStatus.queued
    if not isinstance(error, Exception) or not _expected(error):
        # A bug, not a refusal: keep where it happened for whoever reads the job.
        message += "\n" + "".join(traceback.format_exception(error)[-3:])
    _settle(session, job, item, JobStatus.failed, error=message, now=now)
    session.commit()
    return JobStatus.failed


def _expected(error: Exception) -> bool:
    return isinstance(error, StudioError)


def _settle(
    session: Session,
    job: Job,
    item: JobItem,
    status: JobStatus,
    *,
    result: dict[str, Any] | None = None,
    error: str = "",
    now: datetime | None = None,
) -> None:
    """Mark ``item`` finished with ``status``, count it on its (locked) job, end the job when
    no item is left to run."""
    moment = now or utcnow()
    item.status, item.finished_at, item.heartbeat_at = status, moment, None
    if result is not None:
        item.result = result
    if status == JobStatus.done:
        item.error = ""
        job.items_done += 1
    elif status == JobStatus.failed:
        item.error = error
        job.items_failed += 1
    session.add(item)
    session.flush()
    remaining = session.exec(
        select(func.count())
        .select_from(JobItem)
        .where(
            JobItem.job_id == job.id,
            col(JobItem.status).in_([JobStatus.queued, JobStatus.running]),
        )
    ).one()
    if remaining == 0:
        if job.status != JobStatus.cancelled:
            job.status = JobStatus.failed if job.items_failed else JobStatus.done
            if job.items_failed:
                first = next(
                    i
                    for i in list_items(session, job_id=saved_id(job))
                    if i.error and i.status == JobStatus.failed
                )
                job.error = (
                    f"{job.items_failed} of {job.items_total} items failed; "
                    f"first ({first.idempotency_key}): {first.error.splitlines()[0]}"
                )
        job.finished_at = job.finished_at or moment
        job.outputs = _collect_outputs(list_items(session, job_id=saved_id(job)))
    session.add(job)
    session.flush()
