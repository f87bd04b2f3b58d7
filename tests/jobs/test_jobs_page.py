"""The Jobs page in Streamlit's AppTest: progress in words, failure reasons, cancel and retry."""

from __future__ import annotations

from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from studio.core.database import get_engine
from studio.core.models import JobStatus
from studio.jobs import queue
from tests.jobs.conftest import make_variant_ids

PAGE = "from studio.ui.pages.jobs import render\nrender()\n"


def test_jobs_page_shows_progress_and_reasons_and_cancels_and_retries(sign_in, studio_env):
    url = studio_env["STUDIO_DATABASE_URL"]
    variant_ids = make_variant_ids(url, 2)
    with Session(get_engine(url), expire_on_commit=False) as session:
        job = queue.submit(
            session, kind="render", params={"variant_ids": variant_ids}, actor="cara"
        )
        session.commit()
    job_id = job.id
    assert job_id is not None
    first, _ = queue.claim(url, worker="w", limit=2)
    queue.finish_item(
        url,
        item_id=first.item_id,
        worker="w",
        outcome=ValueError("the headline does not fit"),
        commit=lambda *_: {},
    )

    at = AppTest.from_string(PAGE, default_timeout=60)
    sign_in(at, "cara")
    at.run()
    assert not at.exception, at.exception
    (bar,) = at.get("progress")
    assert bar.proto.text == (
        f"Render images and videos · job {job_id} · Running · 0/2 items (1 failed)"
    )
    assert any("ValueError: the headline does not fit" in t.value for t in at.text)

    at.button(key=f"jobs_cancel_{job_id}").click().run()
    assert any(f"Job {job_id} cancelled." in s.value for s in at.success)
    (bar,) = at.get("progress")
    assert "· Cancelled ·" in bar.proto.text
    at.button(key=f"jobs_retry_{job_id}").click().run()
    assert any(f"Job {job_id} queued again." in s.value for s in at.success)
    with Session(get_engine(url), expire_on_commit=False) as session:
        items = queue.list_items(session, job_id=job_id)
    # The failed item is queued again; the one a worker still holds stays with that worker.
    assert {i.status for i in items} == {JobStatus.queued, JobStatus.running}


def test_a_role_that_may_not_cancel_is_told_why(sign_in, studio_env):
    url = studio_env["STUDIO_DATABASE_URL"]
    variant_ids = make_variant_ids(url, 1)
    with Session(get_engine(url), expire_on_commit=False) as session:
        job = queue.submit(
            session, kind="render", params={"variant_ids": variant_ids}, actor="cara"
        )
        session.commit()
    at = AppTest.from_string(PAGE, default_timeout=60)
    sign_in(at, "mia")
    at.run()
    at.button(key=f"jobs_cancel_{job.id}").click().run()
    assert any("mia (marketer) may not generate" in e.value for e in at.error)
