"""How the benchmarks report: a nearest-rank percentile, a figure beside its target (one it
must stay under, or one it must reach) with its ratio to it, marked MISSED when it misses,
and a cProfile of one run. Each benchmark lays its lines out with its own `Figures`."""

from __future__ import annotations

import cProfile
import io
import math
import pstats
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MISSED = "   MISSED"


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (infinite when there are none)."""
    if not sorted_values:
        return math.inf
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


@dataclass(frozen=True)
class Figures:
    """One benchmark's figure lines: the label's column, the value's width and decimals,
    and the column where the target starts."""

    label: int = 32
    width: int = 8
    digits: int = 2
    target_at: int = 46

    def _head(self, label: str, value: str) -> str:
        return f"{label + ':':<{self.label}} {value}"

    def figure(self, label: str, value: float, unit: str, target: float | None = None) -> None:
        """The figure, and its target (under which it must stay) and ratio."""
        text = self._head(label, f"{value:{self.width}.{self.digits}f} {unit}")
        if target is not None:
            ratio = value / target
            text = f"{text:<{self.target_at}} target < {target:g} {unit:<3}   ({ratio:.2f}x target)"
            text += MISSED if ratio >= 1 else ""
        print(text)

    def floor_figure(self, label: str, value: float, target: float) -> None:
        """A figure that must reach its target (a ratio or a fraction)."""
        text = self._head(label, f"{value:{self.width}.{self.digits}f}")
        text = f"{text:<{self.target_at}} target >= {target:g}      ({value / target:.2f}x target)"
        print(text + (MISSED if value < target else ""))

    def count(self, label: str, value: int, total: int) -> None:
        """A count whose target is zero."""
        text = self._head(label, f"{value:{self.width}d} of {total:,}")
        print(f"{text:<{self.target_at}} target 0" + (MISSED if value else ""))


def profile(run: Callable[[], object], tottime: int = 15, cumulative: int = 25) -> None:
    """Run `run()` under cProfile and print where the time goes: the `tottime` functions
    that spent the most themselves, then the `cumulative` that spent the most in all."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        run()
    finally:
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(tottime)
    stats.sort_stats("cumulative").print_stats(cumulative)
    print(out.getvalue())
