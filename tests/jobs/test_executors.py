"""The executors' contract without a cluster: outcomes per payload, failures isolated, choice by
setting. The same contract on Ray is in ``test_executors_ray.py``."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from studio.core.errors import InvalidValue, NotFound
from studio.core.settings import Settings
from studio.jobs.executors import (
    ComputeActor,
    Executor,
    ExecutorError,
    ExecutorUnavailable,
    LocalExecutor,
    PayloadFailed,
    RayExecutor,
    Resources,
    get_executor,
    run_batch,
)


class Doubler:
    """A compute that records the batches it was given and fails on ``x == bad``."""

    def __init__(self, bad: int | None = None) -> None:
        self.bad = bad
        self.batches: list[list[int]] = []

    def __call__(self, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.batches.append([p["x"] for p in payloads])
        if any(p["x"] == self.bad for p in payloads):
            raise KeyError(f"no such thing as {self.bad}")
        return [{"y": 2 * p["x"]} for p in payloads]


def test_local_executor_runs_batches_in_order_and_isolates_a_failing_payload():
    compute = Doubler(bad=3)
    outcomes = list(LocalExecutor().run(compute, [{"x": x} for x in range(6)], batch_size=2))
    assert [index for index, _ in outcomes] == [0, 1, 2, 3, 4, 5]
    results = dict(outcomes)
    assert {i: r for i, r in results.items() if i != 3} == {
        0: {"y": 0},
        1: {"y": 2},
        2: {"y": 4},
        4: {"y": 8},
        5: {"y": 10},
    }
    assert isinstance(results[3], KeyError) and "no such thing as 3" in str(results[3])
    # The failed batch [2, 3] ran again one payload at a time; the others ran once.
    assert compute.batches == [[0, 1], [2, 3], [2], [3], [4, 5]]


def test_a_compute_that_returns_the_wrong_number_of_results_fails_its_batch():
    def short(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"y": 1}]

    outcomes = run_batch(short, [{"x": 1}, {"x": 2}])
    assert len(outcomes) == 2 and all(isinstance(o, ExecutorError) for o in outcomes)
    assert "returned 1 results for 2 payloads" in str(outcomes[0])


def test_batch_size_and_resources_are_checked():
    with pytest.raises(InvalidValue, match="batch_size must be at least 1; received 0"):
        list(LocalExecutor().run(Doubler(), [{"x": 1}], batch_size=0))
    with pytest.raises(InvalidValue, match="num_gpus=-1"):
        Resources(num_gpus=-1)
    with pytest.raises(
        InvalidValue, match=r"actors \(STUDIO_RAY_ACTORS\) must be at least 1; received 0"
    ):
        RayExecutor(actors=0)


def test_the_setting_chooses_the_executor():
    assert isinstance(get_executor(settings=Settings()), LocalExecutor)
    ray = get_executor(
        settings=Settings(executor="ray", ray_address="ray://head:10001", ray_actors=4)
    )
    assert isinstance(ray, RayExecutor) and isinstance(ray, Executor)
    assert (ray.address, ray.actors) == ("ray://head:10001", 4)
    assert isinstance(get_executor("local", settings=Settings(executor="ray")), LocalExecutor)
    with pytest.raises(
        InvalidValue, match="executor 'dask' is not known; choose one of local, ray"
    ):
        get_executor("dask")


def test_the_ray_executor_without_ray_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch):
    import builtins

    real_import = builtins.__import__

    def no_ray(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(ExecutorUnavailable, match=r"needs Ray: pip install -e \"\.\[ray\]\""):
        list(RayExecutor().run(Doubler(), [{"x": 1}]))


def test_the_actor_sends_results_and_errors_back_as_pickles():
    """What a Ray worker does with a batch, run here: errors that cannot travel come back as text."""
    import numpy as np

    class Unpicklable(Exception):
        def __reduce__(self) -> Any:
            raise TypeError("cannot pickle this")

    class NeedsTwo(Exception):
        def __init__(self, what: str, why: str) -> None:
            super().__init__(f"{what}: {why}")

    def compute(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        x = payloads[0]["x"]
        if x == 1:
            raise Unpicklable("the GPU caught fire")
        if x == 2:
            raise NeedsTwo("model", "not found")  # pickles, but cannot be rebuilt from its message
        if x == 3:
            raise NotFound("persona", "astronauts", ["home-baristas"], within="brand 'halden'")
        return [{"y": 2 * p["x"]} for p in payloads]

    blobs = np.empty(4, dtype=object)
    blobs[:] = [pickle.dumps({"x": x}) for x in (1, 2, 3, 4)]
    out = ComputeActor(compute)({"index": np.array([7, 8, 9, 10]), "payload": blobs})
    assert list(out["index"]) == [7, 8, 9, 10]
    first, second, third, fourth = (pickle.loads(b) for b in out["outcome"])
    assert isinstance(first, PayloadFailed) and str(first) == "Unpicklable: the GPU caught fire"
    assert isinstance(second, PayloadFailed) and str(second) == "NeedsTwo: model: not found"
    # The studio's own errors come back as themselves, attributes and all.
    assert isinstance(third, NotFound) and (third.kind, third.wanted) == ("persona", "astronauts")
    assert str(third) == "There is no persona 'astronauts' in brand 'halden'. Known: home-baristas."
    assert fourth == {"y": 8}


def test_the_scaling_page_quotes_the_measured_figures_and_real_settings():
    import re

    from tests.conftest import REPO_ROOT

    page = (REPO_ROOT / "docs" / "scaling.md").read_text()
    figures = (REPO_ROOT / "benchmarks" / "results" / "executor_throughput.txt").read_text()
    assert all(line in page for line in figures.splitlines()), "docs/scaling.md: copy the figures"
    named = set(re.findall(r"STUDIO_([A-Z_]+)", page))
    assert {"EXECUTOR", "RAY_ADDRESS", "RAY_ACTORS", "ASSET_DIR"} <= named
    unknown = sorted(n for n in named if n.lower() not in Settings.model_fields)
    assert unknown == [], f"docs/scaling.md names settings that do not exist: {unknown}"
