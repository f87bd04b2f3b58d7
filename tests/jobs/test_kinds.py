"""Kinds commit idempotently: an item committed twice creates nothing twice."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from studio.brand.guidelines import load_catalog
from studio.core.audit import list_entries
from studio.core.database import get_engine
from studio.core.models import Asset, ExportRecord, JobStatus, Variant, VariantStatus
from studio.core.settings import get_settings
from studio.imaging.render import RenderOptions, render_variants
from studio.jobs import queue
from studio.jobs.executors import LocalExecutor, get_executor
from studio.jobs.kinds import checked_payloads, get_kind
from studio.jobs.worker import Worker
from tests.export.conftest import add_image, make_campaign, make_variant
from tests.jobs.conftest import PREVIEW_OPTIONS, make_variant_ids


def test_an_export_job_writes_one_zip_and_a_second_commit_finds_it(
    jobs_env: dict[str, str], database_url: str
) -> None:
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        campaign_id = make_campaign(session)
        variant = make_variant(
            session, campaign_id=campaign_id, channel="meta_feed", status=VariantStatus.approved
        )
        add_image(
            session,
            variant_id=variant.id,
            asset_dir=Path(jobs_env["STUDIO_ASSET_DIR"]),
            width=1080,
            height=1080,
        )
        job = queue.submit(
            session,
            kind="export",
            params={"platform": "meta", "campaign_id": campaign_id},
            actor="mia",
        )
        session.commit()
    Worker(database_url, get_executor("local")).run(once=True)
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        summary = queue.summary(session, queue.get_job(session, job_id=job.id or 0))
        (item,) = queue.list_items(session, job_id=job.id or 0)
        assert summary["status"] == "done" and item.status == JobStatus.done
        (record,) = session.exec(select(ExportRecord)).all()
        assert summary["outputs"] == {"export": [record.id]}
        assert Path(record.file_name).is_file()
        assert Path(record.file_name).name == f"job-{job.id}-meta.zip"
        # The worker died after export() committed and before the item was marked done:
        again = get_kind("export").commit(session, job, item, item.payload)
        session.commit()
        assert again["outputs"] == {"export": [record.id]}
        assert len(session.exec(select(ExportRecord)).all()) == 1


def test_the_local_executor_reports_a_failing_batch_per_payload() -> None:
    def half(payloads: list[dict]) -> list[dict]:
        if any(p["n"] == 3 for p in payloads):
            raise ValueError("three is not allowed")
        return checked_payloads(payloads)

    outcomes = dict(LocalExecutor().run(half, [{"n": n} for n in range(5)], batch_size=2))
    assert outcomes[0] == {"n": 0} and outcomes[1] == {"n": 1} and outcomes[4] == {"n": 4}
    # The failed batch [2, 3] runs again one payload at a time: only 3 fails (issue 18's executors).
    assert outcomes[2] == {"n": 2} and isinstance(outcomes[3], ValueError)


def test_a_render_job_makes_the_files_and_layouts_studio_render_makes(
    jobs_env: dict[str, str], database_url: str
) -> None:
    made = make_variant_ids(database_url, 4)
    # Not consecutive: dealt as a set, the three get other layouts than each would alone.
    variant_ids = [made[0], made[2], made[3]]
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        job = queue.submit(
            session,
            kind="render",
            params={"variant_ids": variant_ids, "options": PREVIEW_OPTIONS},
            actor="cara",
        )
        session.commit()
    Worker(database_url, get_executor("local")).run(once=True)
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        summary = queue.summary(session, queue.get_job(session, job_id=job.id or 0))
        assert summary["status"] == "done"
        layouts = {
            int(e.entity_id): e.after["layout"]
            for e in list_entries(session, action="variant.render")
            if e.after
        }
        count = len(session.exec(select(Asset)).all())
        settings = get_settings()
        reports = render_variants(
            session,
            variant_ids=variant_ids,
            catalog=load_catalog(settings.brand_dir),
            settings=settings,
            options=RenderOptions(**PREVIEW_OPTIONS),
            actor="cara",
        )
        session.commit()
        # The flow finds every file the job recorded (same seeds, layouts and pixels): no new rows.
        assert sorted(a.id for r in reports for a in r.assets) == sorted(
            summary["outputs"]["asset"]
        )
        assert len(session.exec(select(Asset)).all()) == count == 3 * 3
        assert layouts == {r.variant_id: r.layout for r in reports}
        assert len(set(layouts.values())) == 3  # dealt across the set, none shared


def test_a_render_item_whose_variant_changed_after_submission_records_nothing(
    jobs_env: dict[str, str], database_url: str
) -> None:
    (variant_id,) = make_variant_ids(database_url, 1)
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        job = queue.submit(
            session,
            kind="render",
            params={"variant_ids": [variant_id], "options": PREVIEW_OPTIONS},
            actor="cara",
        )
        variant = session.get(Variant, variant_id)
        assert variant is not None
        variant.fields = variant.fields | {"headline": "Changed after the job was queued"}
        session.add(variant)
        session.commit()
    Worker(database_url, get_executor("local")).run(once=True)
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        (item,) = queue.list_items(session, job_id=job.id or 0)
        assert item.status == JobStatus.failed
        assert f"variant {variant_id} changed after render job {job.id}" in item.error
        assert "submit the render again" in item.error
        assert session.exec(select(Asset)).all() == []
