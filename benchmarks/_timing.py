"""Repeat a measurement and report its median and spread; shared by the benchmarks.

Speed is measured here, never asserted in tests: the figures depend on the machine.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Seconds of each repeat of one measurement."""

    name: str
    seconds: tuple[float, ...]

    def line(self) -> str:
        """``name: median X s (min A, max B, n=N)``."""
        s = self.seconds
        return (
            f"{self.name}: median {statistics.median(s):.3f} s "
            f"(min {min(s):.3f}, max {max(s):.3f}, n={len(s)})"
        )


def measure(name: str, action: Callable[[], object], repeats: int = 5) -> Timing:
    """Time ``action`` ``repeats`` times with a monotonic clock."""
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return Timing(name, tuple(seconds))


def report(name: str, seconds: list[float]) -> Timing:
    """A ``Timing`` from seconds measured elsewhere (e.g. the reasoner time a build reports)."""
    return Timing(name, tuple(seconds))
