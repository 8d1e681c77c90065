"""Benchmark data: real events from the campaign simulator, loaded into PostgreSQL.

Cases are simulated through the command service on the in-memory store (two processes,
one per core), and their stored events are copied into a PostgreSQL database in log order.
The largest data set is kept between runs (database ``bolashak_bench_master_sealed``: its
events carry their hash chain, issue 6); smaller ones are copied from its first events.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import psycopg

from bench.harness import ADMIN_URL
from domain.clock import FixedClock
from infra.bootstrap import build_service
from infra.database import create_database_if_missing, drop_database, init_schema
from infra.settings import Database, Settings

MASTER = "bolashak_bench_master_sealed"  # events with their hash chain (issue 6)
TODAY = date(2026, 11, 22)
EVENTS_PER_CASE = 7.4  # what the simulator averages
Row = tuple[Any, ...]


def settings_for(admin_url: str, dbname: str) -> Settings:
    return Settings(database=Database.parse(admin_url.rsplit("/", 1)[0] + "/" + dbname))


def _simulate(args: tuple[int, int]) -> list[Row]:
    first_case, applications = args
    from infra.simulation.campaign import simulate_campaign

    service = build_service(
        Settings.from_env({"BOLASHAK_DATABASE_URL": "memory:"}), clock=FixedClock(TODAY)
    )
    simulate_campaign(service, applications, seed=first_case, today=TODAY, first_case=first_case)
    notes = service.recorder.select_notifications(start=1, limit=10**9)
    return [(n.originator_id, n.originator_version, n.topic, n.state) for n in notes]


def ensure_master(admin_url: str, events: int) -> Settings:
    """A database holding at least ``events`` simulated events (kept between runs)."""
    master = settings_for(admin_url, MASTER)
    init_schema(master)
    have = count_events(master)
    if have >= events:
        return master
    applications = int((events - have) / EVENTS_PER_CASE) + 50
    first = have_cases(master) + 1
    chunk = 500
    jobs = [(first + i, min(chunk, applications - i)) for i in range(0, applications, chunk)]
    print(
        f"simulating {applications:,} applications for ~{events - have:,} more events...",
        flush=True,
    )
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(2) as pool, _copy_in(master) as copy:
        for rows in pool.imap(_simulate, jobs):
            for row in rows:
                copy.write_row(row)
    print(
        f"  done in {time.perf_counter() - started:.0f}s; {count_events(master):,} events",
        flush=True,
    )
    return master


@contextmanager
def copy_of_master(admin_url: str, master: Settings, events: int, name: str) -> Iterator[Settings]:
    """A fresh database with the master's first ``events`` events (dropped afterwards)."""
    target = settings_for(admin_url, name)
    drop_database(target.database)
    create_database_if_missing(target.database)
    init_schema(target)
    with (
        psycopg.connect(master.database.dsn()) as src,
        _copy_in(target) as copy,
        src.cursor().copy(
            "COPY (SELECT originator_id, originator_version, topic, state"
            " FROM bolashak_events WHERE notification_id <= %s"
            " ORDER BY notification_id) TO STDOUT",
            (events,),
        ) as out,
    ):
        for row in out.rows():
            copy.write_row(row)
    try:
        yield target
    finally:
        drop_database(target.database)


@contextmanager
def fresh_database(name: str, admin_url: str = ADMIN_URL) -> Iterator[Settings]:
    """An empty database with the schema, dropped afterwards."""
    target = settings_for(admin_url, name)
    drop_database(target.database)
    init_schema(target)
    try:
        yield target
    finally:
        drop_database(target.database)


@contextmanager
def _copy_in(target: Settings) -> Iterator[psycopg.Copy]:
    with (
        psycopg.connect(target.database.dsn()) as conn,
        conn.cursor() as cur,
        cur.copy(
            "COPY bolashak_events (originator_id, originator_version, topic, state) FROM STDIN"
        ) as copy,
    ):
        yield copy


def count_events(settings: Settings) -> int:
    with psycopg.connect(settings.database.dsn()) as conn:
        row = conn.execute("SELECT count(*) FROM bolashak_events").fetchone()
    return int(row[0]) if row else 0


def have_cases(settings: Settings) -> int:
    with psycopg.connect(settings.database.dsn()) as conn:
        row = conn.execute(
            "SELECT count(*) FROM bolashak_events WHERE originator_version = 1"
        ).fetchone()
    return int(row[0]) if row else 0
