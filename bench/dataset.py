"""Benchmark data: real events from the campaign simulator, loaded into PostgreSQL.

Cases are simulated through the command service on the in-memory store (two processes,
one per core), and their stored events are copied into a PostgreSQL database in log order.
The largest data set is kept between runs (database ``bolashak_bench_master_sealed``: its
events carry their hash chain, issue 6, and their sealed identities, issue 8, with the
per-case keys in ``applicant_keys``); smaller ones are copied from its first events.

Every bench process uses one fixed PII master key (``BENCH_PII_KEY``, synthetic data only),
so the master database kept between runs opens whatever ``var/`` holds.
"""

from __future__ import annotations

import base64
import hashlib
import multiprocessing
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import psycopg

from bench.harness import ADMIN_URL
from domain.clock import FixedClock
from infra.container import build_service
from infra.database import create_database_if_missing, drop_database, init_schema
from infra.pii.keys import TABLE as KEY_TABLE
from infra.pii.sealer import KeySealer
from infra.settings import PII_MASTER_KEY, Settings

# events with their hash chain (issue 6); another name keeps a test's run apart from it
MASTER = os.environ.get("BOLASHAK_BENCH_MASTER_DB", "bolashak_bench_master_sealed")
TODAY = date(2026, 11, 22)
EVENTS_PER_CASE = 7.1  # what the simulator averages
LEDGER_TOPICS = "domain.quota."  # a campaign's quota ledger's events (domain/quota/events.py)
Row = tuple[Any, ...]


BENCH_PII_KEY = base64.b64encode(hashlib.sha256(b"bolashak bench, synthetic data").digest())
os.environ[PII_MASTER_KEY] = BENCH_PII_KEY.decode()  # for this process and the servers it starts


def settings_for(admin_url: str, dbname: str) -> Settings:
    url = admin_url.rsplit("/", 1)[0] + "/" + dbname
    return Settings.from_env({"BOLASHAK_DATABASE_URL": url, PII_MASTER_KEY: BENCH_PII_KEY.decode()})


def _simulate(args: tuple[int, int]) -> tuple[list[Row], list[Row]]:
    """The stored events of the simulated cases, and their wrapped data keys. The chunk's
    own quota ledger is left out: every chunk opens the 2023 ledger under the same id, so
    the master holds the cases only (the ledger's history is no read the benchmarks time)."""
    first_case, applications = args
    from infra.simulation.campaign import simulate_campaign

    memory = {"BOLASHAK_DATABASE_URL": "memory:", PII_MASTER_KEY: BENCH_PII_KEY.decode()}
    service = build_service(Settings.from_env(memory).replaying_history(), clock=FixedClock(TODAY))
    simulate_campaign(service, applications, seed=first_case, today=TODAY, first_case=first_case)
    notes = service.recorder.select_notifications(start=1, limit=10**9)
    sealer = getattr(service.mapper, "sealer", None)
    assert isinstance(sealer, KeySealer)
    keys = [(k.application_id, k.wrapped) for k in sealer.store.since(0)]
    cases = [n for n in notes if not n.topic.startswith(LEDGER_TOPICS)]
    return [(n.originator_id, n.originator_version, n.topic, n.state) for n in cases], keys


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
    with (
        multiprocessing.get_context("spawn").Pool(2) as pool,
        _copy_in(master) as copy,
        _copy_in(master, KEYS_COPY) as copy_keys,
    ):
        for rows, keys in pool.imap(_simulate, jobs):
            for row in rows:
                copy.write_row(row)
            for key in keys:
                copy_keys.write_row(key)
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
    with (
        psycopg.connect(master.database.dsn()) as src,
        _copy_in(target, KEYS_COPY) as copy,
        src.cursor().copy(KEYS_OUT, (events,)) as out,
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


EVENTS_COPY = "COPY bolashak_events (originator_id, originator_version, topic, state) FROM STDIN"
KEYS_COPY = f"COPY {KEY_TABLE} (application_id, wrapped) FROM STDIN"
KEYS_OUT = (  # the keys of the cases among the first events copied (%s: their number)
    f"COPY (SELECT application_id, wrapped FROM {KEY_TABLE} WHERE application_id IN"
    " (SELECT originator_id FROM bolashak_events WHERE notification_id <= %s"
    " AND originator_version = 1) ORDER BY seq) TO STDOUT"
)


@contextmanager
def _copy_in(target: Settings, statement: str = EVENTS_COPY) -> Iterator[psycopg.Copy]:
    with (
        psycopg.connect(target.database.dsn()) as conn,
        conn.cursor() as cur,
        cur.copy(statement) as copy,
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
