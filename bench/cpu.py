"""Where the machine's CPU went during a measured stretch: this process, PostgreSQL's
processes, and the rest of the machine, per unit of work, with how busy the machine was.

The API line (``bench/write_concurrent_api.py``) runs its clients (this process), the
servers and PostgreSQL on the same cores, and is bound by their CPU: printing the split
with each round shows which of them a change moved, and how near the machine is to full.
Linux only (``/proc``), as the benchmarks are."""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass

POSTGRES = "postgres"  # the command name of the server's processes (``/proc/PID/comm``)


@dataclass(frozen=True)
class CpuSample:
    """CPU seconds used so far: by the whole machine, by this process, by PostgreSQL's
    processes; and the wall clock, in seconds."""

    wall: float
    machine: float
    this: float
    postgres: float


@dataclass(frozen=True)
class CpuSplit:
    """A stretch's CPU per unit of work, in microseconds, and the machine's busy share."""

    this_us: float
    postgres_us: float
    rest_us: float
    busy: float  # 0..1 of all the machine's cores

    def describe(self, this: str, rest: str, unit: str) -> str:
        """One line: "servers 1,050 us, PostgreSQL 245 us, clients 160 us per event; the
        machine 95% busy" (``this`` and ``rest`` name this process and the rest)."""
        return (
            f"{rest} {self.rest_us:,.0f} us, PostgreSQL {self.postgres_us:,.0f} us,"
            f" {this} {self.this_us:,.0f} us per {unit}; the machine {self.busy:.0%} busy"
        )


def sample() -> CpuSample:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return CpuSample(
        wall=time.perf_counter(),
        machine=_machine_seconds(),
        this=usage.ru_utime + usage.ru_stime,
        postgres=_postgres_seconds(),
    )


def split(before: CpuSample, after: CpuSample, units: int) -> CpuSplit:
    """The CPU between two samples, per unit of work (``units`` > 0). The rest is the
    machine's CPU less this process's and PostgreSQL's (never below zero: the machine's
    counters tick at a coarser grain)."""
    if units <= 0:
        raise ValueError(f"units: {units}; a split is per unit of work, so at least 1")
    machine = after.machine - before.machine
    this = after.this - before.this
    postgres = after.postgres - before.postgres
    wall = after.wall - before.wall
    cores = os.cpu_count() or 1
    per = 1e6 / units
    return CpuSplit(
        this_us=this * per,
        postgres_us=postgres * per,
        rest_us=max(machine - this - postgres, 0.0) * per,
        busy=min(machine / (wall * cores), 1.0) if wall > 0 else 0.0,
    )


def _ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def _machine_seconds() -> float:
    """The machine's busy CPU seconds since boot (``/proc/stat``: every state but idle and
    waiting for I/O; guest time is already counted in user time)."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = stat.readline().split()
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[1:9])
    return (user + nice + system + irq + softirq + steal) / _ticks()


def _postgres_seconds() -> float:
    """The CPU seconds of every process named ``postgres`` now running (a backend that
    ended during the stretch takes its CPU with it: the measured lines keep theirs open)."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm", encoding="utf-8") as comm:
                if comm.read().strip() != POSTGRES:
                    continue
            with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile, or not ours to read
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _ticks()
