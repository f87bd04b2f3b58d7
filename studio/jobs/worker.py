"""``studio worker``: claims job items, computes them through an executor, commits the results.

One round (:meth:`Worker.run_once`) takes back items of lost workers, claims up to ``claim_size``
items, runs each kind's pure ``compute`` over its items through the executor (in-process, or on
Ray), and commits every result as it arrives; a heartbeat thread renews the claimed items until
each is finished. :meth:`Worker.run` repeats rounds, sleeping ``poll_s`` when there was nothing
to do, and runs the :class:`Scheduler` between rounds. ``SIGTERM``/``SIGINT`` stop it cleanly:
the item in hand is committed, items claimed but not started are given back.

Who the scheduler acts as: a person named with ``studio worker --schedule-as USER``, else the
system account :data:`SCHEDULER_ACCOUNT` (``scheduler``), which :func:`scheduler_account` adds the
first time a worker starts. Its scheduled reweights and drift checks are audited under that name,
so the audit log never shows a person doing what the worker did on its own; it is a marketer
(the narrowest role that may run tests) whose random password nobody knows, so nobody signs in
as it, and an admin stops the scheduled work by deactivating it on the Users page.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from studio.core import audit
from studio.core.database import get_engine
from studio.core.errors import StudioError
from studio.core.models import Job, JobKind, JobStatus, Role, User, Variant, utcnow
from studio.jobs import queue
from studio.jobs.executors import Executor
from studio.jobs.kinds import get_kind
from studio.review import account_queries
from studio.review.accounts import hash_password

log = logging.getLogger(__name__)

#: The system account the scheduler acts as when the worker is named no person.
SCHEDULER_ACCOUNT = "scheduler"
#: Its role: the narrowest one with ``run_tests`` (reweights and drift checks need nothing else).
SCHEDULER_ROLE = Role.marketer
#: Any number; schedulers of workers sharing a PostgreSQL database take turns on this lock.
_SCHEDULER_LOCK_KEY = 0x5C4ED


def scheduler_account(database_url: str) -> User:
    """The :data:`SCHEDULER_ACCOUNT` user, added (committed, audited as ``user.create_system``)
    when there is none yet.

    An existing account of that name is used as it is: an admin who deactivated it, or changed
    its role, decided what the scheduler may do, and the scheduler's checks say so.
    """
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        user = account_queries.find_user(session, username=SCHEDULER_ACCOUNT)
        if user is not None:
            return user
        try:
            user = account_queries.add_user(
                session,
                username=SCHEDULER_ACCOUNT,
                display_name="Scheduler (studio worker)",
                role=SCHEDULER_ROLE,
                # Nobody knows it, so nobody signs in as the scheduler.
                password_hash=hash_password(secrets.token_urlsafe(32)),
            )
            audit.record(
                session,
                actor=SCHEDULER_ACCOUNT,
                action="user.create_system",
                entity_type="user",
                entity_id=SCHEDULER_ACCOUNT,
                after={
                    "username": user.username,
                    "display_name": user.display_name,
                    "role": str(user.role),
                    "is_active": user.is_active,
                },
            )
            session.commit()
        except IntegrityError:  # another worker, starting at the same moment, added it first
            session.rollback()
            added = account_queries.find_user(session, username=SCHEDULER_ACCOUNT)
            if added is None:
                raise
            return added
        return user


def _lock_schedule(session: Session) -> None:
    """Make this transaction the only scheduler tick on the database until it ends, so two
    workers' schedulers never both submit a reweight of the same test (PostgreSQL: an advisory
    transaction lock; SQLite: its single writer lock)."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")
    else:
        session.connection().execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEDULER_LOCK_KEY}
        )


def worker_name() -> str:
    """``host:pid``: who holds an item, readable on the Jobs page."""
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


@dataclass
class Scheduler:
    """Periodic work of the worker, at most once every ``every_s`` seconds, as ``actor`` (a user
    with the ``run_tests`` permission, checked like anyone's; the worker's default is the system
    account :data:`SCHEDULER_ACCOUNT`):

    * a reweight job for the running tests whose cadence has elapsed (a test that already has a
      reweight queued or running is not submitted again);
    * a drift check: the copy of the variants created since the last check, against the active
      CTR predictor's training data (:meth:`studio.scoring.predict.CtrPredictor.drift`),
      recorded in the audit log (``ctr.drift_check``) with its warnings.

    A tick is one transaction under a lock shared by every worker's scheduler on the database,
    so workers sharing a queue check and submit one after the other.
    """

    actor: str
    every_s: float = 300.0
    last_run: datetime | None = None

    def due(self, now: datetime) -> bool:
        return self.last_run is None or now - self.last_run >= timedelta(seconds=self.every_s)

    def tick(self, database_url: str, *, now: datetime | None = None) -> list[int]:
        """Submit what is due; returns the ids of the jobs submitted."""
        from studio.experiments.lifecycle import due_tests

        moment = now or utcnow()
        if not self.due(moment):
            return []
        self.last_run = moment
        with Session(get_engine(database_url), expire_on_commit=False) as session:
            _lock_schedule(session)
            self.check_drift(session, now=moment)
            pending = {
                experiment_id
                for job in session.exec(
                    select(Job).where(
                        Job.kind == JobKind.reweight,
                        col(Job.status).in_([JobStatus.queued, JobStatus.running]),
                    )
                ).all()
                for experiment_id in job.params.get("experiment_ids", [])
            }
            due = [t.id for t in due_tests(session, now=moment) if t.id not in pending]
            if not due:
                session.commit()  # the drift check's entry
                return []
            job = queue.submit(
                session,
                kind=JobKind.reweight,
                params={"experiment_ids": due, "scheduled": True},
                actor=self.actor,
            )
            session.commit()
            log.info("scheduled reweight job %s for tests %s", job.id, due)
            return [job.id or 0]

    def check_drift(self, session: Session, *, now: datetime) -> dict[str, Any] | None:
        """Check the copy written since the last check (or in the last week); returns what was
        recorded, or None when there was no new copy. The caller commits."""
        from studio.review.accounts import Permission, require
        from studio.scoring.registry import load_active_predictor
        from studio.scoring.variants import UnscorableVariantError, variant_text

        require(session, username=self.actor, permission=Permission.run_tests)
        last = audit.list_entries(session, action="ctr.drift_check", limit=1)
        since = last[0].at if last else now - timedelta(days=7)
        texts = []
        for variant in session.exec(
            select(Variant).where(col(Variant.created_at) > since, col(Variant.created_at) <= now)
        ).all():
            try:
                texts.append(variant_text(variant.channel, variant.fields))
            except UnscorableVariantError:
                continue
        if not texts:
            return None
        report = load_active_predictor(session).drift(texts)
        after = {
            "since": since.isoformat(),
            "texts": report.texts,
            "novel_share": round(report.novel_share, 4),
            "warnings": report.warnings,
        }
        audit.record(
            session,
            actor=self.actor,
            action="ctr.drift_check",
            entity_type="ctr_model",
            entity_id="active",
            after=after,
        )
        return after


@dataclass
class Worker:
    """Runs jobs from the database at ``database_url``.

    Attributes
    ----------
    executor : where computes run (:func:`studio.jobs.executors.get_executor`).
    claim_size : items claimed per round.
    poll_s : seconds to wait when there is nothing to do.
    heartbeat_s : seconds between heartbeats of the items held.
    heartbeat_timeout_s : silence after which another worker takes a worker's items back.
    policy : attempts and backoff for transient failures.
    scheduler : periodic jobs, or None.
    """

    database_url: str
    executor: Executor
    name: str = field(default_factory=worker_name)
    claim_size: int = 4
    poll_s: float = 2.0
    heartbeat_s: float = 10.0
    heartbeat_timeout_s: float = queue.HEARTBEAT_TIMEOUT_S
    policy: queue.RetryPolicy = field(default_factory=queue.RetryPolicy)
    scheduler: Scheduler | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    on_finish: Callable[[int, JobStatus | None], None] | None = None

    def stop(self, *_: Any) -> None:
        self.stop_event.set()

    def run_once(self) -> int:
        """One round; returns how many items were finished (done, failed, retried, dropped)."""
        queue.reclaim(self.database_url, timeout_s=self.heartbeat_timeout_s, policy=self.policy)
        claimed = queue.claim(self.database_url, worker=self.name, limit=self.claim_size)
        if not claimed:
            return 0
        held = {c.item_id for c in claimed}
        lock = threading.Lock()
        beating = threading.Event()
        beat = threading.Thread(
            target=self._heartbeat, args=(held, lock, beating), name="heartbeat", daemon=True
        )
        beat.start()
        finished = 0
        try:
            by_kind: dict[JobKind, list[queue.Claimed]] = {}
            for item in claimed:
                by_kind.setdefault(item.kind, []).append(item)
            for kind, items in by_kind.items():
                if self.stop_event.is_set():
                    break
                finished += self._run_kind(kind, items, held, lock)
        finally:
            beating.set()
            beat.join()
            with lock:
                left = sorted(held)
            queue.release(self.database_url, worker=self.name, item_ids=left)
        return finished

    def _run_kind(
        self,
        kind: JobKind,
        items: list[queue.Claimed],
        held: set[int],
        lock: threading.Lock,
    ) -> int:
        handler = get_kind(kind)
        finished = 0
        outcomes = self.executor.run(
            handler.compute,
            [item.payload for item in items],
            batch_size=handler.batch_size,
            resources=handler.resources,
        )
        for index, outcome in outcomes:
            item = items[index]
            status = queue.finish_item(
                self.database_url,
                item_id=item.item_id,
                worker=self.name,
                outcome=outcome,
                commit=handler.commit,
                policy=self.policy,
            )
            with lock:
                held.discard(item.item_id)
            finished += 1
            log.info("item %s of job %s: %s", item.item_id, item.job_id, status)
            if self.on_finish is not None:
                self.on_finish(item.item_id, status)
            if self.stop_event.is_set():
                break
        return finished

    def _heartbeat(self, held: set[int], lock: threading.Lock, done: threading.Event) -> None:
        while not done.wait(self.heartbeat_s):
            with lock:
                ids = sorted(held)
            try:
                queue.heartbeat(self.database_url, worker=self.name, item_ids=ids)
            except Exception:  # a missed beat is retried next time; the timeout is generous
                log.exception("heartbeat failed")

    def run(self, *, once: bool = False) -> int:
        """Work until stopped (or, with ``once``, until nothing is left to do now)."""
        total = 0
        while not self.stop_event.is_set():
            if self.scheduler is not None:
                try:
                    self.scheduler.tick(self.database_url)
                except StudioError:
                    log.exception("the scheduler could not submit its jobs")
            finished = self.run_once()
            total += finished
            if finished == 0:
                if once:
                    break
                self.stop_event.wait(self.poll_s)
        return total

    def install_signal_handlers(self) -> Callable[[], None]:
        """Stop cleanly on SIGTERM and SIGINT (the item in hand is committed first); returns a
        function that puts the previous handlers back."""
        previous = {sig: signal.signal(sig, self.stop) for sig in (signal.SIGTERM, signal.SIGINT)}

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore
