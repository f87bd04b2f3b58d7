"""Progress of long library calls, for the app's progress bars and the CLI's lines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` steps (variants written, files rendered, ...) and what just happened."""

    done: int
    total: int
    message: str

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 1.0


ProgressCallback = Callable[[Progress], None]
