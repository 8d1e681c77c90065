"""The eGov intake as a stream (issue 23): submissions/s from the intake topic of a local
broker into cases on PostgreSQL by the intake worker (``bolashak intake``: one command a
message, offsets committed after each batch), against the command throughput (1) of the
same run, as the burst intake through GraphQL is reported.

The clock starts at the worker's first batch, so that the consumer group's join (a few
seconds on the local broker) is not counted; each message is a different synthetic
package, all sent before the worker starts (a backlog, as after an outage of the worker).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bench.dataset import fresh_database
from bench.harness import Line, Report
from domain.clock import FixedClock
from infra.container import build_intake
from infra.intake.worker import Tally, new_intake_consumer
from tests.support.broker import Tansu
from tests.support.intake import data_of, package, send, structured, with_intake
from tests.support.kafka import GROUP_TIMINGS

TODAY = date(2026, 11, 22)
JOIN_TIMEOUT_SECONDS = 60.0
RUN_TIMEOUT_SECONDS = 600.0


def measure_egov_intake(report: Report, command_rate: float, count: int) -> None:
    with tempfile.TemporaryDirectory() as logs, fresh_database("bolashak_bench_intake") as db:
        tansu = Tansu(Path(logs)).start()
        try:
            settings = with_intake(db.replaying_history(), tansu.bootstrap)
            messages = [structured(f"bench-{n}", data_of(package(n))) for n in range(count)]
            send(settings.kafka, messages)
            consumer = new_intake_consumer(
                settings.kafka, max_poll_interval_ms=GROUP_TIMINGS["max_poll_interval_ms"]
            )
            worker = build_intake(settings, FixedClock(TODAY), consumer=consumer)
            try:
                rate = _rate(worker.poll_once, count)
            finally:
                worker.close()
        finally:
            tansu.stop()
    report.add(Line("egov_intake_rate", rate, "submissions/s", "command_throughput", command_rate))


def _rate(poll_once: Callable[[], Tally], count: int) -> float:
    """Submissions/s after the first batch, until all ``count`` were handled."""
    deadline = time.monotonic() + JOIN_TIMEOUT_SECONDS
    first = 0
    while not first:
        if time.monotonic() > deadline:
            raise RuntimeError("the intake worker got no message (the group never joined?)")
        first = poll_once().submitted
    started, done = time.perf_counter(), first
    while done < count:
        if time.monotonic() > deadline + RUN_TIMEOUT_SECONDS:
            raise RuntimeError(f"only {done} of {count} messages handled in time")
        tally = poll_once()
        if tally.dead_letters or tally.replayed:
            raise RuntimeError(f"not every message was a new case: {tally.text()}")
        done += tally.submitted
    return (count - first) / (time.perf_counter() - started)
