"""The Ray executor on a local Ray (``ray.init(num_cpus=2)``), through the code path a cluster
runs: payloads as a Ray Dataset, ``map_batches`` on a pool of model actors, the tiny diffusion
pipeline of ``tests/imaging/test_diffusers.py`` as the model. Ray takes seconds to start, so the
tests here are few and share one Ray."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from studio.core.audit import list_entries
from studio.core.database import get_engine
from studio.core.errors import NotFound
from studio.core.models import Asset, Variant
from studio.core.settings import Settings, get_settings
from studio.imaging.provenance import asset_path, read_png_provenance
from studio.imaging.render import RenderOptions
from studio.jobs import queue
from studio.jobs.compute import render_images, render_payloads
from studio.jobs.executors import Executor, LocalExecutor, RayExecutor, get_executor
from studio.jobs.worker import Worker
from tests.imaging.test_diffusers import tiny_sd as tiny_sd  # the fixture
from tests.jobs.conftest import PREVIEW_OPTIONS, make_variant_ids

pytestmark = [pytest.mark.slow, pytest.mark.ray]


@pytest.fixture(scope="module")
def ray_executor() -> Iterator[RayExecutor]:
    import ray

    executor = get_executor("ray", settings=Settings(ray_address=None, ray_actors=1))
    assert isinstance(executor, RayExecutor)
    executor.init_options = {"num_cpus": 2}
    yield executor
    ray.shutdown()


def _variant(id: int, channel: str, fields: dict[str, str], seed: int) -> Variant:
    return Variant(
        id=id,
        brand="halden-coffee",
        persona="home-baristas",
        channel=channel,
        fields=fields,
        seed=seed,
    )


def test_ray_renders_with_the_tiny_diffusion_pipeline_as_the_local_executor_does(
    ray_executor: RayExecutor,
    tiny_sd: Path,
    tmp_path: Path,
    brand_dir: Path,
) -> None:
    settings = Settings(
        brand_dir=brand_dir,
        asset_dir=tmp_path / "local",
        image_backend="diffusers",
        diffusers_model=str(tiny_sd),
        diffusers_resolution=64,
        diffusers_steps=2,
        device="cpu",
    )
    options = RenderOptions(scale=0.1)
    variants = [
        _variant(1, "meta_feed", {"headline": "Roasted within 48 hours"}, seed=3),
        _variant(2, "linkedin_sponsored", {"headline": "Beans your team will queue for"}, seed=9),
    ]
    payloads = [p for v in variants for p in render_payloads(v, settings=settings, options=options)]
    broken = payloads[0] | {"variant": payloads[0]["variant"] | {"persona": "astronauts"}}
    payloads.insert(2, broken)
    on_ray = [p | {"asset_dir": str(tmp_path / "ray")} for p in payloads]

    import torch

    # Ray runs each actor with as many torch threads as it has CPUs (1); with the same count here
    # torch sums in the same order, so the pixels (and the files' hashes) can be compared exactly.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        local = dict(LocalExecutor().run(render_images, payloads, batch_size=2))
    finally:
        torch.set_num_threads(threads)
    remote = dict(ray_executor.run(render_images, on_ray, batch_size=2))

    assert sorted(remote) == sorted(local) == list(range(6))
    assert isinstance(local[2], NotFound) and isinstance(remote[2], NotFound)
    assert str(remote[2]) == str(local[2]) and "persona 'astronauts'" in str(remote[2])
    for index in (0, 1, 3, 4, 5):
        here, there = local[index], remote[index]
        assert isinstance(here, dict) and isinstance(there, dict), (here, there)
        # The same payload gives the same file, byte for byte, wherever it ran.
        assert (there["path"], there["sha256"]) == (here["path"], here["sha256"])
        assert there["asset"] == here["asset"] and there["asset"]["backend"] == "diffusers"
        written = asset_path(tmp_path / "ray", there["path"])
        assert written.is_file() and read_png_provenance(written).seed == payloads[index]["seed"]


def test_a_render_job_on_ray_records_the_assets_the_local_executor_makes(
    ray_executor: RayExecutor,
    jobs_env: dict[str, str],
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    variant_ids = make_variant_ids(database_url, 2)
    params = {"variant_ids": variant_ids, "options": PREVIEW_OPTIONS}

    def run_job(executor: Executor) -> tuple[dict[str, Any], list[Asset], dict[str, Any]]:
        get_settings.cache_clear()  # the job's payloads carry the asset dir set now
        with Session(get_engine(database_url), expire_on_commit=False) as session:
            job = queue.submit(session, kind="render", params=params, actor="cara")
            session.commit()
        Worker(database_url, executor).run(once=True)
        with Session(get_engine(database_url), expire_on_commit=False) as session:
            summary = queue.summary(session, queue.get_job(session, job_id=job.id or 0))
            assets = list(session.exec(select(Asset).order_by(col(Asset.id))).all())
            renders = {
                e.entity_id: e.after["layout"]
                for e in list_entries(session, action="variant.render")
                if e.after and e.after["job"] == job.id
            }
        return summary, assets, renders

    local, local_assets, local_renders = run_job(LocalExecutor())
    monkeypatch.setenv("STUDIO_ASSET_DIR", str(tmp_path / "ray-assets"))
    remote, remote_assets, remote_renders = run_job(ray_executor)

    assert local["status"] == remote["status"] == "done", (local, remote)
    assert len(local_assets) == 2 * 3  # three image sizes of meta_feed per variant
    # The files Ray made are the local executor's, byte for byte: the same rows are found again
    # (by variant and content hash), none added, and each file was written by a Ray actor.
    assert remote["outputs"] == local["outputs"]
    assert remote_assets == local_assets
    for asset in local_assets:
        assert asset_path(tmp_path / "ray-assets", asset.path).is_file()
    # One audit entry per variant each time, with the layouts dealt across the set.
    assert sorted(local_renders) == sorted(str(v) for v in variant_ids)
    assert remote_renders == local_renders and len(set(local_renders.values())) == 2
