"""``make bench`` (or ``BENCH_QUICK=1``: ``make bench-quick``, under a minute).

Prints one line per measurement, ``NAME: VALUE UNIT (ratio R to BASELINE)``, and, for a
full run, regenerates ``docs/benchmarks.md`` with the machine's description and a plot.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

from bench import docs
from bench.api_speed import measure_api
from bench.audit_speed import measure_verify
from bench.burst_intake import measure_burst_intake
from bench.command_throughput import measure_command_throughput
from bench.dataset import copy_of_master, ensure_master
from bench.egov_intake import measure_egov_intake
from bench.harness import ADMIN_URL, Report, machine
from bench.kafka_relay import ROUNDS as RELAY_ROUNDS
from bench.kafka_relay import measure_relay
from bench.read_models import measure_rebuilds, query_latencies, report_growth
from bench.write_concurrent import ROUNDS as WRITE_ROUNDS
from bench.write_concurrent import measure_write_concurrent
from bench.write_concurrent_api import ROUNDS as API_WRITE_ROUNDS
from bench.write_concurrent_api import measure_write_concurrent_api


def _stop(signum: int, _frame: FrameType | None) -> None:
    """A terminated run unwinds as an interrupted one does: its ``finally`` blocks stop the
    server processes it started and drop the databases it made (by default a SIGTERM ends
    the interpreter at once, and left a GraphQL server with its pool running)."""
    sys.exit(128 + signum)


def main() -> None:
    signal.signal(signal.SIGTERM, _stop)
    quick = os.environ.get("BENCH_QUICK") == "1"
    sizes = (5_000, 15_000) if quick else (10_000, 100_000, 1_000_000)
    print(f"machine: {machine()}", flush=True)
    report = Report()
    command_rate = measure_command_throughput(report, applications=40 if quick else 300)
    measure_burst_intake(report, command_rate, count=300 if quick else 3000)
    measure_egov_intake(report, command_rate, count=300 if quick else 1000)
    measure_write_concurrent(
        report,
        lifecycles=60 if quick else 1000,
        curve_lifecycles=30 if quick else 300,
        rounds=1 if quick else WRITE_ROUNDS,
    )
    measure_write_concurrent_api(
        report,
        lifecycles=60 if quick else 1000,
        ceiling_seconds=1 if quick else 5,
        rounds=1 if quick else API_WRITE_ROUNDS,
    )
    master = ensure_master(ADMIN_URL, max(sizes))
    measured = []
    for size in sizes:
        with copy_of_master(ADMIN_URL, master, size, f"bolashak_bench_{size}") as settings:
            measure_rebuilds(settings, report, size, each=size == sizes[1])
            measure_verify(settings, report, size)
            if size == sizes[1]:
                measure_relay(settings, report, size, rounds=1 if quick else RELAY_ROUNDS)
            found = query_latencies(settings, runs=30 if quick else 200)
            if size == sizes[-1]:
                measure_api(settings, report, seconds=1 if quick else 20)
        for name, value in found.items():
            report.point(f"{name} (ms)", size, value)
        measured.append((size, found))
    report_growth(report, measured[0], measured[-1])
    if not quick:
        print(f"written: {docs.write(report, 'make bench')}")


if __name__ == "__main__":
    main()
