"""Command throughput (issue 7, item 1): whole synthetic cases through the command service
on PostgreSQL, against raw psycopg 3 inserting rows of the same size, one transaction each,
in the same run. Target: at least 50% of raw."""

from __future__ import annotations

import secrets
import time
from datetime import date

import psycopg

from bench.dataset import fresh_database
from bench.harness import Line, Report
from domain.clock import FixedClock
from infra.bootstrap import build_service
from infra.settings import Settings
from infra.simulation.campaign import simulate_campaign

TARGET = 0.5
TODAY = date(2026, 11, 22)


def measure_command_throughput(report: Report, applications: int) -> float:
    """Adds the line; returns the events/s (the burst intake's baseline)."""
    with fresh_database("bolashak_bench_commands") as settings:
        service = build_service(settings, clock=FixedClock(TODAY))
        started = time.perf_counter()
        summary = simulate_campaign(service, applications, seed=11, today=TODAY)
        events_per_second = summary.events / (time.perf_counter() - started)
        size = _mean_event_size(settings)
        service.close()
        raw = _raw_inserts(settings, summary.events, size)
    report.add(
        Line(
            "command_throughput",
            events_per_second,
            "events/s",
            "raw_psycopg_one_row_per_tx",
            raw,
            TARGET,
        )
    )
    return events_per_second


def _mean_event_size(settings: Settings) -> int:
    with psycopg.connect(settings.database.dsn()) as conn:
        row = conn.execute("SELECT avg(length(state))::int FROM bolashak_events").fetchone()
    return int(row[0]) if row and row[0] else 1000


def _raw_inserts(settings: Settings, count: int, size: int) -> float:
    payload = secrets.token_bytes(size)
    with psycopg.connect(settings.database.dsn(), autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE bench_raw (id uuid, version int, topic text, state bytea,"
            " n bigserial, PRIMARY KEY (id, version))"
        )
        started = time.perf_counter()
        for i in range(count):
            with conn.transaction():
                conn.execute(
                    "INSERT INTO bench_raw (id, version, topic, state) VALUES"
                    " (gen_random_uuid(), %s, 'raw', %s)",
                    (i, payload),
                )
        return count / (time.perf_counter() - started)
