"""What every benchmark shares: a throwaway PostgreSQL database and the report lines."""

from __future__ import annotations

import os
import platform
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from infra.database import drop_database, init_schema
from infra.settings import Database, Settings

ADMIN_URL = os.environ.get(
    "BOLASHAK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class Line:
    name: str
    value: float
    unit: str
    baseline_name: str
    baseline_value: float
    target: float | None = None

    @property
    def ratio(self) -> float:
        return self.value / self.baseline_value if self.baseline_value else 0.0

    def text(self) -> str:
        verdict = ""
        if self.target is not None:
            verdict = (
                "  [meets target]"
                if self.ratio >= self.target
                else (f"  [BELOW target {self.target:.2f}]")
            )
        return (
            f"{self.name}: {self.value:,.0f} {self.unit} (ratio {self.ratio:.2f} to "
            f"{self.baseline_name} {self.baseline_value:,.0f} {self.unit}){verdict}"
        )


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)

    def add(self, line: Line) -> None:
        self.lines.append(line)
        print(line.text(), flush=True)

    def print(self) -> None:
        print(
            f"\nmachine: {platform.platform()}, {os.cpu_count()} cpus, "
            f"Python {platform.python_version()}"
        )
        for line in self.lines:
            print(line.text())


@contextmanager
def bench_database() -> Iterator[Settings]:
    name = f"bolashak_bench_{secrets.token_hex(3)}"
    settings = Settings(database=Database.parse(ADMIN_URL.rsplit("/", 1)[0] + "/" + name))
    init_schema(settings)
    try:
        yield settings
    finally:
        drop_database(settings.database)


def rate(count: int, work: Callable[[], object]) -> float:
    """Items per second of ``work``, which handles ``count`` items."""
    started = time.perf_counter()
    work()
    return count / (time.perf_counter() - started)
