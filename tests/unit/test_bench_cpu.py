"""The API line's CPU split (``bench/cpu.py``): the machine's CPU during a measured stretch,
per event, as this process's, PostgreSQL's and the rest's, with the machine's busy share."""

from __future__ import annotations

import os
import time

import pytest

from bench import cpu
from bench.cpu import CpuSample


def test_a_split_is_each_share_per_unit_and_the_machine_busy_share() -> None:
    before = CpuSample(wall=10.0, machine=100.0, this=5.0, postgres=2.0)
    after = CpuSample(wall=11.0, machine=101.5, this=5.2, postgres=2.3)
    found = cpu.split(before, after, units=1_000)
    assert found.this_us == pytest.approx(200)  # 0.2 s over 1,000 events
    assert found.postgres_us == pytest.approx(300)
    assert found.rest_us == pytest.approx(1_000)  # 1.5 s less 0.2 and 0.3
    cores = os.cpu_count() or 1
    assert found.busy == pytest.approx(min(1.5 / cores, 1.0))
    line = found.describe("clients", "servers", "event")
    assert line.startswith("servers 1,000 us, PostgreSQL 300 us, clients 200 us per event")


def test_the_rest_is_never_below_zero_when_the_machine_counter_lags() -> None:
    before = CpuSample(wall=0.0, machine=10.0, this=1.0, postgres=0.0)
    after = CpuSample(wall=1.0, machine=10.01, this=1.02, postgres=0.0)
    assert cpu.split(before, after, units=1).rest_us == 0.0


def test_a_split_over_no_work_is_refused() -> None:
    sample = cpu.sample()
    with pytest.raises(ValueError, match="units: 0"):
        cpu.split(sample, sample, units=0)


def test_this_process_busy_shows_as_its_own_share_and_the_machine_busy() -> None:
    before = cpu.sample()
    ends = time.process_time() + 0.3
    while time.process_time() < ends:
        pass
    found = cpu.split(before, cpu.sample(), units=1)
    assert found.this_us >= 0.29e6
    assert found.busy > 0
    # the machine's counter includes this process's time (to its coarser tick)
    assert found.this_us + found.postgres_us + found.rest_us >= 0.2e6
