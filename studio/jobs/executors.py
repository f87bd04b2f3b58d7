"""Executors run a kind's pure ``compute`` over item payloads: here in-process.

Minimal local version of the contract shared with the Ray executor (issue 18); the full module,
with :class:`RayExecutor`, replaces this file when both branches are merged.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from studio.core.errors import NotFound

Compute = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


@dataclass(frozen=True)
class Resources:
    """What one batch needs: CPU cores and GPUs (fractions allowed)."""

    num_cpus: float = 1
    num_gpus: float = 0


class Executor(Protocol):
    name: str

    def run(
        self,
        compute: Compute,
        payloads: list[dict[str, Any]],
        *,
        batch_size: int = 1,
        resources: Resources | None = None,
    ) -> Iterator[tuple[int, dict[str, Any] | BaseException]]:
        """Yield ``(index into payloads, result or the exception for that payload)`` as they finish."""
        ...


class LocalExecutor:
    """Runs ``compute`` in this process, ``batch_size`` payloads at a time.

    An exception in one batch fails only that batch's payloads (each gets the exception).
    """

    name = "local"

    def run(
        self,
        compute: Compute,
        payloads: list[dict[str, Any]],
        *,
        batch_size: int = 1,
        resources: Resources | None = None,
    ) -> Iterator[tuple[int, dict[str, Any] | BaseException]]:
        size = max(1, batch_size)
        for start in range(0, len(payloads), size):
            batch = payloads[start : start + size]
            try:
                results = compute(batch)
            except Exception as exc:  # reported per payload, the caller decides
                for offset in range(len(batch)):
                    yield start + offset, exc
                continue
            for offset, result in enumerate(results):
                yield start + offset, result


EXECUTORS: dict[str, Callable[[], Executor]] = {"local": LocalExecutor}


def get_executor(name: str | None = None) -> Executor:
    """The executor called ``name``; ``None`` reads ``STUDIO_EXECUTOR`` (default ``local``)."""
    chosen = name or os.environ.get("STUDIO_EXECUTOR") or "local"
    if chosen not in EXECUTORS:
        raise NotFound("executor", chosen, EXECUTORS, hint="Set STUDIO_EXECUTOR to one of them.")
    return EXECUTORS[chosen]()
