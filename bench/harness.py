"""What every benchmark shares: report lines, the machine's description, timing helpers.

Every figure is compared with a baseline measured in the same run (these machines are
shared and noisy); the absolute numbers are printed beside it. A line prints as
``NAME: VALUE UNIT (ratio R to BASELINE ...)`` and, when it has one, its target.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

ADMIN_URL = os.environ.get(
    "BOLASHAK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# The servers the benchmarks start take 2023's submissions years later (the data set is a
# past campaign): their backdating window is opened as wide as the demo's (issue 19).
REPLAYING_HISTORY_ENV = {"BOLASHAK_BACKDATING_WINDOW_DAYS": str(100 * 366)}


@dataclass
class Line:
    name: str
    value: float
    unit: str
    baseline_name: str
    baseline_value: float
    target: float | None = None  # a bound on the ratio
    higher_is_better: bool = True  # False: the ratio must stay at or below the target
    floor: float | None = None  # an absolute minimum for the value, if any

    @property
    def ratio(self) -> float:
        return self.value / self.baseline_value if self.baseline_value else 0.0

    @property
    def meets(self) -> bool | None:
        if self.target is None and self.floor is None:
            return None
        ok = True
        if self.target is not None:
            ok = self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target
        if self.floor is not None:
            ok = ok and self.value >= self.floor
        return ok

    def text(self) -> str:
        line = (
            f"{self.name}: {_num(self.value)} {self.unit} (ratio {self.ratio:.2f} to "
            f"{self.baseline_name} {_num(self.baseline_value)} {self.unit})"
        )
        if self.meets is None:
            return line
        wanted = []
        if self.target is not None:
            wanted.append(f"ratio {'>=' if self.higher_is_better else '<='} {self.target:g}")
        if self.floor is not None:
            wanted.append(f">= {_num(self.floor)} {self.unit}")
        verdict = "meets" if self.meets else "MISSES"
        return f"{line} [{verdict} target: {', '.join(wanted)}]"


def of_rounds(
    name: str,
    unit: str,
    ours: Sequence[float],
    baseline_name: str,
    theirs: Sequence[float],
    target: float | None = None,
    *,
    floor: float | None = None,
) -> tuple[Line, str]:
    """A line from rounds that each measured the value and its baseline in turn (so that
    a slow moment of the machine hits both): the baseline's median, and the value at the
    median of the rounds' ratios; with the rounds, one by one, as text to print."""
    pairs = list(zip(ours, theirs, strict=True))
    baseline = statistics.median_high(theirs)
    ratio = statistics.median_high(o / t for o, t in pairs)
    line = Line(name, baseline * ratio, unit, baseline_name, baseline, target, floor=floor)
    rounds = ", ".join(f"{_num(o)}/{_num(t)} = {o / t:.2f}" for o, t in pairs)
    return line, rounds


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)
    series: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    # the concurrent writers' curve: (writers, events/s as a ratio to raw, p95 ms a command)
    writers: list[tuple[int, float, float]] = field(default_factory=list)

    def add(self, line: Line) -> None:
        self.lines.append(line)
        print(line.text(), flush=True)

    def point(self, series: str, size: int, value: float) -> None:
        """One point of a growth curve (for the plot): ``value`` at ``size`` events."""
        self.series.setdefault(series, []).append((size, value))


def machine() -> str:
    cpu = _cpu_model()
    return (
        f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs ({cpu}),"
        f" Python {platform.python_version()}, PostgreSQL {_postgres_version()}"
    )


def rate(count: int, work: Callable[[], object]) -> float:
    """Items per second of ``work``, which handles ``count`` items."""
    started = time.perf_counter()
    work()
    return count / (time.perf_counter() - started)


def latencies(work: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds of each of ``runs`` calls (after two warm-up calls)."""
    for _ in range(2):
        work()
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        found.append((time.perf_counter() - started) * 1000)
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _postgres_version() -> str:
    try:
        out = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False)
        found = re.search(r"\d+\.\d+", out.stdout)
        return found.group(0) if found else "unknown"
    except OSError:
        return "unknown"
