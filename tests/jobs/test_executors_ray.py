"""The Ray executor on a local Ray (``ray.init(num_cpus=2)``), through the code path a cluster
runs: payloads as a Ray Dataset, ``map_batches`` on a pool of model actors, the tiny diffusion
pipeline of ``tests/imaging/test_diffusers.py`` as the model. Ray takes seconds to start, so the
tests here are few and share one Ray."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.core.errors import NotFound
from studio.core.models import Variant
from studio.core.settings import Settings
from studio.imaging.provenance import asset_path, read_png_provenance
from studio.imaging.render import RenderOptions
from studio.jobs.compute import render_images, render_payloads
from studio.jobs.executors import LocalExecutor, RayExecutor, get_executor
from tests.imaging.test_diffusers import tiny_sd as tiny_sd  # the fixture

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
