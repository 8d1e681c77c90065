"""Command throughput (issue 7, item 1): whole synthetic cases through the command service
on PostgreSQL, against raw psycopg 3 inserting rows of the same size, one transaction each,
in the same run. Target: at least 50% of raw.

The measured line drives the cases from ``WORKERS`` threads of one process, as concurrent
officers and eGov submissions reach a server process (its saves are then committed in
groups: infra/event_store.py); the simulated people's decisions are made before the clock
starts, and the threads send the campaign's recorded commands
(``bench/campaign_scripts.py``). Beside it, for the reader: the same cases driven one at a
time, and raw inserts from the same number of threads (PostgreSQL then also flushes several
commits at once)."""

from __future__ import annotations

import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import psycopg

from bench.campaign_scripts import record_campaign, replay_on
from bench.dataset import fresh_database
from bench.harness import Line, Report
from infra.settings import Settings

TARGET = 0.5
TODAY = date(2026, 11, 22)
SEED = 11  # the campaign's cases (write_concurrent's too)
WORKERS = 8
RAW = "raw_psycopg_one_row_per_tx"


def measure_command_throughput(report: Report, applications: int) -> float:
    """Adds the lines; returns the events/s (the burst intake's baseline)."""
    with fresh_database("bolashak_bench_commands") as settings:
        rate, events, grouped = _lifecycles(settings, applications, WORKERS)
        size = _mean_event_size(settings)
        raw = _raw_inserts(settings, events, size, threads=1)
        raw_threads = _raw_inserts(settings, events, size, threads=WORKERS)
    with fresh_database("bolashak_bench_commands_sequential") as settings:
        sequential, _, _ = _lifecycles(settings, applications, 1)
    report.add(Line("command_throughput", rate, "events/s", RAW, raw, TARGET))
    print(f"  ({WORKERS} threads; {grouped:.0%} of saves were committed in a group)")
    report.add(Line("command_throughput_one_at_a_time", sequential, "events/s", RAW, raw))
    report.add(
        Line(
            "command_throughput_threads",
            rate,
            "events/s",
            f"raw_psycopg_{WORKERS}_threads",
            raw_threads,
        )
    )
    return rate


def _lifecycles(settings: Settings, applications: int, workers: int) -> tuple[float, int, float]:
    """events/s, events, share of saves committed in a group."""
    recording = record_campaign(applications, seed=SEED, today=TODAY)
    replayed = replay_on(settings, recording, workers, today=TODAY)
    return replayed.rate, replayed.events, replayed.grouped


def _mean_event_size(settings: Settings) -> int:
    with psycopg.connect(settings.database.dsn()) as conn:
        row = conn.execute("SELECT avg(length(state))::int FROM bolashak_events").fetchone()
    return int(row[0]) if row and row[0] else 1000


def _raw_inserts(settings: Settings, count: int, size: int, *, threads: int) -> float:
    payload = secrets.token_bytes(size)
    table = f"bench_raw_{threads}"
    with psycopg.connect(settings.database.dsn(), autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE {table} (id uuid, version int, topic text, state bytea,"
            " n bigserial, PRIMARY KEY (id, version))"
        )
    start = threading.Barrier(threads + 1)

    def insert(share: int) -> None:
        with psycopg.connect(settings.database.dsn(), autocommit=True) as conn:
            start.wait()
            for i in range(share):
                with conn.transaction():
                    conn.execute(
                        f"INSERT INTO {table} (id, version, topic, state) VALUES"
                        " (gen_random_uuid(), %s, 'raw', %s)",
                        (i, payload),
                    )

    with ThreadPoolExecutor(threads) as pool:
        done = [pool.submit(insert, count // threads) for _ in range(threads)]
        start.wait()
        started = time.perf_counter()
        for future in done:
            future.result()
        return (count // threads) * threads / (time.perf_counter() - started)
