"""Jobs on the pages that start them: submit one, and follow it from the database.

The work itself runs in ``studio worker`` (started beside the app by ``scripts/app.sh``), so
closing the tab or leaving the page does not stop it; a page shows the signed-in user's latest
jobs of its kind, with progress read from the database and refreshed every
:data:`REFRESH_S` seconds while one is unfinished, and reruns itself when one ends so that what
the job made appears.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from studio.core.errors import UserFacingError
from studio.core.models import Job, JobKind
from studio.jobs import queue
from studio.ui import context, labels

REFRESH_S = 2.0


def submit(kind: JobKind, params: dict[str, Any]) -> int | None:
    """Queue a job as the signed-in user; the error in words (and None) when it is refused."""
    try:
        with context.db_session() as session:
            job = queue.submit(session, kind=kind, params=params, actor=context.current_username())
            job_id = job.id
    except UserFacingError as exc:
        st.error(f"{exc} Nothing was queued.")
        return None
    st.toast(f"{labels.job_kind(kind)}: job {job_id} queued")
    return job_id


def describe(job: Job) -> str:
    """``Render images and videos · job 4 · Running · 2/5 items (1 failed)``."""
    failed = f" ({job.items_failed} failed)" if job.items_failed else ""
    return (
        f"{labels.job_kind(job.kind)} · job {job.id} · {labels.job_status(job.status)} · "
        f"{job.items_done}/{job.items_total} items{failed}"
    )


def progress_line(job: Job) -> None:
    """A progress bar labelled with :func:`describe`, and the failure reason if any."""
    finished = job.items_done + job.items_failed
    st.progress(finished / job.items_total if job.items_total else 1.0, text=describe(job))
    if job.error:
        st.error(f"Job {job.id}: {job.error}")


def _latest(kind: JobKind, limit: int) -> list[Job]:
    with context.db_session() as session:
        return queue.list_jobs(
            session, kinds=[kind], created_by=context.current_username(), limit=limit
        )


def latest_jobs(kind: JobKind, *, limit: int = 3) -> None:
    """The signed-in user's ``limit`` latest jobs of ``kind``, following the unfinished ones."""
    jobs = _latest(kind, limit)
    if not jobs:
        return
    watching = {job.id for job in jobs if job.status not in queue.FINISHED}

    @st.fragment(run_every=REFRESH_S if watching else None)
    def panel() -> None:
        current = _latest(kind, limit)
        for job in current:
            progress_line(job)
        still = {job.id for job in current if job.status not in queue.FINISHED}
        if watching and not watching & still:
            st.rerun()  # the whole page, so that what the job made shows

    panel()
