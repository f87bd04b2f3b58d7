"""Jobs: what the worker runs for everyone, with progress, failure reasons, cancel and retry.

Every page that starts work (Generate, Gallery's render, Export) queues a job and returns at
once; ``studio worker`` runs it. This page reads the jobs from the database and refreshes itself
while one is unfinished. Cancel and retry go through :mod:`studio.jobs.queue`, which checks the
permission of the action the job wraps and records both in the audit log.
"""

from __future__ import annotations

import streamlit as st

from studio.core.errors import UserFacingError
from studio.core.models import Job, JobKind, JobStatus
from studio.jobs import queue
from studio.ui import context, job_panel, labels

_LIMIT = 50


def _load(statuses: list[JobStatus], kinds: list[JobKind], mine: bool) -> list[Job]:
    with context.db_session() as session:
        return queue.list_jobs(
            session,
            statuses=statuses,
            kinds=kinds,
            created_by=context.current_username() if mine else None,
            limit=_LIMIT,
        )


def _act(action: str, job_id: int) -> None:
    try:
        with context.db_session() as session:
            if action == "cancel":
                queue.cancel(session, job_id=job_id, actor=context.current_username())
            else:
                queue.retry(session, job_id=job_id, actor=context.current_username())
    except UserFacingError as exc:
        st.session_state["jobs_message"] = ("error", str(exc))
    else:
        done = "cancelled" if action == "cancel" else "queued again"
        st.session_state["jobs_message"] = ("success", f"Job {job_id} {done}.")


def _job(job: Job) -> None:
    with st.container(border=True):
        job_panel.progress_line(job)
        started = f", started {job.started_at:%Y-%m-%d %H:%M:%S}" if job.started_at else ""
        ended = f", ended {job.finished_at:%Y-%m-%d %H:%M:%S}" if job.finished_at else ""
        st.caption(
            f"By {job.created_by}, queued {job.created_at:%Y-%m-%d %H:%M:%S}{started}{ended}"
        )
        with context.db_session() as session:
            outputs = queue.outputs_of(session, job)
            failed = [
                item
                for item in queue.list_items(session, job_id=job.id or 0)
                if item.error and item.status != JobStatus.done
            ]
        if outputs:
            st.caption(
                "Made: "
                + "; ".join(
                    f"{labels.humanize(k)} {', '.join(map(str, v))}" for k, v in outputs.items()
                )
            )
        if failed:
            with st.expander(f"{len(failed)} item(s) with a problem"):
                for item in failed:
                    st.text(
                        f"{item.idempotency_key} · {labels.job_status(item.status)} · "
                        f"attempt {item.attempts}: {item.error}"
                    )
        left, right, _ = st.columns([1, 1, 4])
        if job.status not in queue.FINISHED:
            left.button(
                "Cancel", key=f"jobs_cancel_{job.id}", on_click=_act, args=("cancel", job.id)
            )
        if job.status in (JobStatus.failed, JobStatus.cancelled):
            right.button("Retry", key=f"jobs_retry_{job.id}", on_click=_act, args=("retry", job.id))


def render() -> None:
    st.title("Jobs")
    st.caption(
        "Work started on other pages runs here, in the background: closing the browser does "
        "not stop it."
    )
    message = st.session_state.pop("jobs_message", None)
    if message is not None:
        (st.error if message[0] == "error" else st.success)(message[1])
    left, middle, right = st.columns([2, 2, 1])
    statuses = left.multiselect(
        "Status", list(JobStatus), format_func=labels.job_status, key="jobs_status"
    )
    kinds = middle.multiselect("Kind", list(JobKind), format_func=labels.job_kind, key="jobs_kind")
    mine = right.toggle("Only mine", value=False, key="jobs_mine")
    jobs = _load(statuses, kinds, mine)
    if not jobs:
        st.info("No jobs yet. Generating, rendering and exporting start one.")
        return
    unfinished = any(job.status not in queue.FINISHED for job in jobs)

    @st.fragment(run_every=job_panel.REFRESH_S if unfinished else None)
    def listing() -> None:
        for job in _load(statuses, kinds, mine):
            _job(job)

    listing()
