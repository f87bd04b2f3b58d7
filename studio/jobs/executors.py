"""Executors: where a job's items run, in the worker's process or on a Ray cluster.

An executor takes a *compute* (a picklable function from a list of payloads to one result per
payload, e.g. :func:`studio.jobs.compute.render_images`) and the payloads of a job's items, and
yields ``(index, outcome)`` pairs as items finish: ``index`` points into ``payloads`` and
``outcome`` is the result dict, or the exception that payload raised. A failure never stops the
other items: a batch that raises is run again one payload at a time, so only the payloads that
fail themselves are reported as failed (with their own exception).

* ``local`` (:class:`LocalExecutor`, the default): batches run one after another in this process.
* ``ray`` (:class:`RayExecutor`, ``STUDIO_EXECUTOR=ray``): the payloads become a Ray Dataset and
  run through ``map_batches`` on a pool of ``STUDIO_RAY_ACTORS`` actors. Each actor holds the
  compute, and the compute keeps its model for the life of the process, so a model is loaded once
  per actor; ``Resources(num_gpus=1)`` gives each actor its own GPU. ``STUDIO_RAY_ADDRESS`` (or
  Ray's ``RAY_ADDRESS``) joins a cluster; empty starts a Ray on this machine. The code path is the
  same in both cases.

Ray is imported only when the ``ray`` executor runs (``pip install -e ".[ray]"``). Only the
worker touches the database: computes take and return plain data.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from studio.core.errors import InvalidValue, StudioError, UserFacingError

if TYPE_CHECKING:
    from studio.core.settings import Settings

Payload = dict[str, Any]
Result = dict[str, Any]
#: A picklable function: payloads in, one result per payload out, in the same order.
Compute = Callable[[list[Payload]], list[Result]]
Outcome = tuple[int, Result | BaseException]

EXECUTORS = ("local", "ray")
RAY_INSTALL_HINT = 'pip install -e ".[ray]" (or pip install "ray[data]>=2.50")'


class ExecutorError(StudioError):
    """A compute broke its contract (e.g. returned fewer results than payloads)."""


class ExecutorUnavailable(UserFacingError):
    """The chosen executor cannot run here (Ray not installed, cluster unreachable)."""


class PayloadFailed(StudioError):
    """A payload's exception that could not be sent back from a Ray worker as it was.

    The message keeps the original's type and text.
    """


@dataclass(frozen=True)
class Resources:
    """What each copy of the compute needs: CPUs and GPUs per Ray actor (fractions allowed)."""

    num_cpus: float = 1
    num_gpus: float = 0

    def __post_init__(self) -> None:
        if self.num_cpus < 0 or self.num_gpus < 0:
            raise InvalidValue(
                f"Resources need num_cpus >= 0 and num_gpus >= 0; received "
                f"num_cpus={self.num_cpus}, num_gpus={self.num_gpus}"
            )


@runtime_checkable
class Executor(Protocol):
    """Runs a compute over payloads; see the module docstring."""

    name: str

    def run(
        self,
        compute: Compute,
        payloads: list[Payload],
        *,
        batch_size: int = 1,
        resources: Resources | None = None,
    ) -> Iterator[Outcome]:
        """``(index into payloads, result or that payload's exception)``, as items finish."""
        ...


def _check_batch_size(batch_size: int) -> None:
    if batch_size < 1:
        raise InvalidValue(f"batch_size must be at least 1; received {batch_size}")


def run_batch(compute: Compute, payloads: Sequence[Payload]) -> list[Result | BaseException]:
    """One outcome per payload: the batch's results, or, if the batch raised, each payload alone.

    Running the payloads of a failed batch one at a time isolates the failure: a good payload in
    the same batch as a bad one still gets its result, and each bad one its own exception.
    """
    try:
        results = compute(list(payloads))
    except Exception as exc:
        if len(payloads) == 1:
            return [exc]
        return [outcome for payload in payloads for outcome in run_batch(compute, [payload])]
    if not isinstance(results, list) or len(results) != len(payloads):
        count = len(results) if isinstance(results, list) else type(results).__name__
        error = ExecutorError(
            f"compute {getattr(compute, '__name__', compute)!r} returned {count} results for "
            f"{len(payloads)} payloads; it must return a list with one result per payload"
        )
        return [error] * len(payloads)
    return list(results)


class LocalExecutor:
    """Runs batches one after another in this process (the default; no cluster needed)."""

    name = "local"

    def run(
        self,
        compute: Compute,
        payloads: list[Payload],
        *,
        batch_size: int = 1,
        resources: Resources | None = None,
    ) -> Iterator[Outcome]:
        """Batches of ``batch_size`` payloads in order; ``resources`` has no meaning here."""
        _check_batch_size(batch_size)
        for start in range(0, len(payloads), batch_size):
            batch = payloads[start : start + batch_size]
            for offset, outcome in enumerate(run_batch(compute, batch)):
                yield start + offset, outcome


def _portable(outcome: Result | BaseException) -> bytes:
    """An outcome pickled for the trip back from a Ray worker.

    An exception that cannot make the trip (it fails to pickle, or to unpickle because its
    ``__init__`` takes other arguments than its message) comes back as :class:`PayloadFailed`
    with its type and text.
    """
    if not isinstance(outcome, BaseException):
        return pickle.dumps(outcome)
    try:
        blob = pickle.dumps(outcome)
        pickle.loads(blob)
    except Exception:
        return pickle.dumps(PayloadFailed(f"{type(outcome).__name__}: {outcome}"))
    return blob


class ComputeActor:
    """A Ray Data actor: holds the compute, whose model then stays loaded for the actor's life.

    Batches arrive as ``{"index": int64 array, "payload": pickled payloads}`` and leave as
    ``{"index": ..., "outcome": pickled results or exceptions}``: pickles, because payloads are
    nested dicts that Arrow would otherwise reshape.
    """

    def __init__(self, compute: Compute) -> None:
        self.compute = compute

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        payloads = [pickle.loads(blob) for blob in batch["payload"]]
        outcomes = run_batch(self.compute, payloads)
        packed = np.empty(len(outcomes), dtype=object)
        packed[:] = [_portable(outcome) for outcome in outcomes]
        return {"index": batch["index"], "outcome": packed}


def _studio_source() -> str:
    """The folder holding the ``studio`` package this process runs (shipped to Ray workers)."""
    import studio

    return str(Path(studio.__file__).resolve().parent)


class RayExecutor:
    """Runs payloads through Ray Data ``map_batches`` on a pool of compute actors.

    Parameters
    ----------
    address : Ray cluster address; None joins ``RAY_ADDRESS`` if set, else starts a local Ray.
    actors : size of the actor pool (one per GPU when each actor takes a GPU).
    init_options : extra ``ray.init`` arguments for a local Ray (e.g. ``num_cpus=2``).

    The studio package this process runs is shipped to the workers (``runtime_env``
    ``py_modules``), so a cluster runs the same code as the worker that submitted the job; the
    backends' own libraries (torch, diffusers) must be installed on the cluster's nodes.
    """

    name = "ray"

    def __init__(
        self,
        *,
        address: str | None = None,
        actors: int = 1,
        init_options: dict[str, Any] | None = None,
    ) -> None:
        if actors < 1:
            raise InvalidValue(f"actors (STUDIO_RAY_ACTORS) must be at least 1; received {actors}")
        self.address = address
        self.actors = actors
        self.init_options = dict(init_options or {})

    @classmethod
    def from_settings(cls, settings: Settings) -> RayExecutor:
        return cls(address=settings.ray_address, actors=settings.ray_actors)

    def connect(self) -> Any:
        """Start or join Ray (once per process); returns the ``ray`` module."""
        try:
            import ray
        except ImportError as exc:
            raise ExecutorUnavailable(
                f"STUDIO_EXECUTOR=ray needs Ray: {RAY_INSTALL_HINT}; or set STUDIO_EXECUTOR=local"
            ) from exc
        if not ray.is_initialized():
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "runtime_env": {"py_modules": [_studio_source()]},
                **self.init_options,
            }
            try:
                ray.init(address=self.address, **options)
            except Exception as exc:  # Ray raises bare Exception for a node that fails to start
                where = self.address or os.environ.get("RAY_ADDRESS") or "a local Ray"
                raise ExecutorUnavailable(
                    f"cannot start or join Ray at {where}: {str(exc).rstrip('.')}. Check STUDIO_RAY_ADDRESS "
                    "(e.g. ray://head:10001) and that the cluster runs the same Ray version"
                ) from exc
        return ray

    def run(
        self,
        compute: Compute,
        payloads: list[Payload],
        *,
        batch_size: int = 1,
        resources: Resources | None = None,
    ) -> Iterator[Outcome]:
        """Outcomes in the order Ray finishes them."""
        _check_batch_size(batch_size)
        if not payloads:
            return
        ray = self.connect()
        resources = resources or Resources()
        rows = [
            {"index": index, "payload": pickle.dumps(payload)}
            for index, payload in enumerate(payloads)
        ]
        dataset = ray.data.from_items(rows, override_num_blocks=min(len(rows), 200))
        mapped = dataset.map_batches(
            ComputeActor,
            fn_constructor_kwargs={"compute": compute},
            batch_size=batch_size,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=self.actors),
            num_cpus=resources.num_cpus,
            num_gpus=resources.num_gpus,
            zero_copy_batch=True,
        )
        for batch in mapped.iter_batches(batch_size=None, batch_format="numpy"):
            for index, blob in zip(batch["index"], batch["outcome"], strict=True):
                yield int(index), pickle.loads(blob)


def get_executor(name: str | None = None, *, settings: Settings | None = None) -> Executor:
    """The executor called ``name``; None uses ``STUDIO_EXECUTOR`` (default ``local``).

    Raises
    ------
    InvalidValue
        For a name other than ``local`` or ``ray``.
    """
    from studio.core.settings import get_settings

    settings = settings or get_settings()
    chosen = name or settings.executor
    if chosen == "local":
        return LocalExecutor()
    if chosen == "ray":
        return RayExecutor.from_settings(settings)
    raise InvalidValue(
        f"executor {chosen!r} is not known; choose one of {', '.join(EXECUTORS)} "
        "(--executor or STUDIO_EXECUTOR)"
    )
