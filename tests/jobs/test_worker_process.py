"""Real ``studio worker`` processes: one killed with SIGKILL mid-render, two sharing a queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from studio.core.audit import list_entries
from studio.core.database import get_engine
from studio.core.models import Asset, JobItem, JobStatus
from studio.jobs import queue
from tests.jobs.conftest import PREVIEW_OPTIONS, make_variant_ids

REPO_ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 240.0


def start_worker(*args: str) -> subprocess.Popen[str]:
    """``studio worker ARGS`` in a new process (the environment names the test database)."""
    return subprocess.Popen(
        [sys.executable, "-c", "from studio.cli import app; app()", "worker", *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def job_state(url: str, job_id: int) -> tuple[dict[str, Any], list[JobItem]]:
    with Session(get_engine(url), expire_on_commit=False) as session:
        job = queue.get_job(session, job_id=job_id)
        return queue.summary(session, job), queue.list_items(session, job_id=job_id)


def wait_for(condition: Any, what: str, *processes: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        for process in processes:
            if process.poll() is not None:
                raise AssertionError(
                    f"worker exited early while waiting for {what}: {process.stdout.read() if process.stdout else ''}"
                )
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM, as the app's launcher does; the worker must exit cleanly."""
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    return output


def test_a_worker_killed_mid_render_leaves_its_item_to_a_new_worker_and_nothing_twice(
    jobs_env: dict[str, str], database_url: str
) -> None:
    variant_ids = make_variant_ids(database_url, 5)
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        job_id = queue.submit(
            session,
            kind="render",
            params={"variant_ids": variant_ids, "options": PREVIEW_OPTIONS},
            actor="cara",
        ).id
        session.commit()
    assert job_id is not None

    first = start_worker("--claim", "1", "--poll", "0.2", "--heartbeat-timeout", "3")

    def mid_item() -> bool:
        summary, items = job_state(database_url, job_id)
        return summary["items_done"] >= 1 and any(i.status == JobStatus.running for i in items)

    wait_for(mid_item, "an item to be running after one was done", first)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    summary, items = job_state(database_url, job_id)
    (orphan,) = [i for i in items if i.status == JobStatus.running]
    assert summary["status"] == "running" and summary["items_done"] < len(variant_ids)

    second = start_worker("--claim", "1", "--poll", "0.2", "--heartbeat-timeout", "3")
    wait_for(lambda: job_state(database_url, job_id)[0]["status"] != "running", "the job", second)
    output = stop(second)
    assert "stopped after" in output

    summary, items = job_state(database_url, job_id)
    assert (summary["status"], summary["items_done"], summary["items_failed"]) == (
        "done",
        len(variant_ids),
        0,
    )
    taken_over = next(i for i in items if i.id == orphan.id)
    assert taken_over.attempts == 2 and taken_over.claimed_by != orphan.claimed_by
    with Session(get_engine(database_url)) as session:
        assets = session.exec(select(Asset)).all()
        renders = list_entries(session, action="variant.render")
    # Every item done once: one committed render per variant, and no file recorded twice.
    assert Counter(int(e.entity_id) for e in renders) == Counter(variant_ids)
    assert len({(a.variant_id, a.sha256) for a in assets}) == len(assets)
    assert sorted(a.id for a in assets) == sorted(summary["outputs"]["asset"])
    assert {a.variant_id for a in assets} == set(variant_ids)


# Several workers share a queue on PostgreSQL; SQLite runs one worker.
@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_two_workers_on_postgresql_share_200_items_each_done_exactly_once(
    jobs_env: dict[str, str], database_url: str
) -> None:
    assert database_url.startswith("postgresql")
    from tests.factories import make_test

    # Reweights: real library work per item (a decision row and an audit entry each), cheap
    # enough for 200 items: 100 jobs of the same 2 tests.
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        experiment_ids = [make_test(session, n=2).id for _ in range(2)]
    job_ids = []
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        for _ in range(100):
            job = queue.submit(
                session, kind="reweight", params={"experiment_ids": experiment_ids}, actor="mia"
            )
            job_ids.append(job.id)
        session.commit()

    workers = [start_worker("--claim", "3", "--poll", "0.1") for _ in range(2)]

    def all_done() -> bool:
        with Session(get_engine(database_url)) as session:
            left = session.exec(select(JobItem).where(JobItem.status != JobStatus.done)).first()
        return left is None

    wait_for(all_done, "200 items", *workers)
    for process in workers:
        stop(process)
    with Session(get_engine(database_url)) as session:
        items = session.exec(select(JobItem)).all()
        reweights = list_entries(session, action="experiment.reweight", limit=10_000)
    assert len(items) == 200
    assert all(i.status == JobStatus.done and i.attempts == 1 for i in items)
    by_worker = Counter(i.claimed_by for i in items)
    assert len(by_worker) == 2, by_worker
    # Each item committed exactly once: one reweight (one decision) per item.
    assert len(reweights) == 200
    decisions = [i.result["outputs"]["allocation_decision"][0] for i in items]
    assert len(set(decisions)) == 200
