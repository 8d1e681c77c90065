"""``bolashak audit verify`` on a real store: rows edited, deleted or swapped directly in the
database (PostgreSQL and SQLite) are found, each by its case and version."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from uuid import UUID

import pytest

from domain.case.chain_check import ALTERED, CHECKPOINT, DELETED, REORDERED, Finding
from domain.case.stage import Stage
from domain.clock import FixedClock
from infra.audit import checkpoints
from infra.audit.verify import VerifyReport, verify_case, verify_store
from infra.container import build_reader, build_service, view_database
from infra.settings import Settings
from projections.sql import ViewDatabase
from tests.conftest import FAR_FUTURE
from tests.integration.test_concurrency_postgres import experts_scoring_at_once
from tests.support.journey import Journey

BOLASHAK = str(Path(sys.executable).parent / "bolashak")


@pytest.fixture
def store(fresh_store: Settings) -> Settings:
    """A store of its own: these tests tamper with it."""
    return fresh_store


@pytest.fixture
def cases(store: Settings) -> list[UUID]:
    """Three awarded cases, sealed by checkpoints of 10 events."""
    service = build_service(store, clock=FixedClock(FAR_FUTURE))
    found = [Journey(service) for _ in range(3)]
    for j in found:
        j.to(Stage.AWARDED)
    with views(store) as db:
        checkpoints.make(db, service.mapper, every=10)
    service.close()
    return [j.id for j in found]


@contextmanager
def views(settings: Settings) -> Iterator[ViewDatabase]:
    with closing(build_reader(settings)) as reader:
        table = reader.events_table()
    db = view_database(settings, table)
    try:
        yield db
    finally:
        db.close()


def verify_all(settings: Settings) -> VerifyReport:
    with views(settings) as db, closing(build_reader(settings)) as reader:
        return verify_store(reader, db)


def in_case(report: VerifyReport, case_id: UUID) -> list[tuple[int | None, str]]:
    return [(f.version, f.kind) for f in report.findings if f.application_id == str(case_id)]


def execute(settings: Settings, sql: str, params: tuple[object, ...]) -> None:
    """A change made behind the system's back, straight in the events table."""
    with views(settings) as db, db.transaction() as cur:
        cur.execute(sql.replace("{events}", db.events_table), params)


def as_text(settings: Settings, column: str) -> str:
    if settings.database.kind == "postgres":
        return f"convert_from({column}, 'UTF8')"
    return f"CAST({column} AS TEXT)"


def as_bytes(settings: Settings, text: str) -> str:
    if settings.database.kind == "postgres":
        return f"convert_to({text}, 'UTF8')"
    return f"CAST({text} AS BLOB)"


def case_key(settings: Settings, case_id: UUID) -> str:
    return str(case_id) if settings.database.kind == "postgres" else case_id.hex


def test_an_untouched_store_verifies_intact(store: Settings, cases: list[UUID]) -> None:
    report = verify_all(store)
    assert report.ok, report.findings
    chains = len(cases) + 1  # and the 2023 quota ledger's, a chain of its own
    assert (report.cases, report.checkpoints) == (chains, -(-report.events // 10))


def test_an_event_edited_in_the_database_is_found_by_case_and_version(
    store: Settings, cases: list[UUID]
) -> None:
    edited = as_bytes(store, f"replace({as_text(store, 'state')}, 'officer-1', 'officer-9')")
    execute(
        store,
        f"UPDATE {{events}} SET state = {edited}"
        " WHERE originator_id = %s AND originator_version = 2",
        (case_key(store, cases[1]),),
    )
    report = verify_all(store)
    assert [(f.application_id, f.version, f.kind) for f in report.findings] == [
        (str(cases[1]), 2, ALTERED)
    ]


def test_an_event_deleted_from_the_database_is_found_by_case_and_version(
    store: Settings, cases: list[UUID]
) -> None:
    execute(
        store,
        "DELETE FROM {events} WHERE originator_id = %s AND originator_version = 3",
        (case_key(store, cases[0]),),
    )
    report = verify_all(store)
    assert in_case(report, cases[0]) == [(3, DELETED)]
    assert [f.kind for f in report.findings if not f.application_id] == [CHECKPOINT]


def test_two_events_swapped_in_the_database_are_found_as_reordered(
    store: Settings, cases: list[UUID]
) -> None:
    key = case_key(store, cases[2])
    move = "UPDATE {events} SET originator_version = %s WHERE originator_id = %s"
    for old, new in ((3, 0), (4, 3), (0, 4)):
        execute(store, move + " AND originator_version = %s", (new, key, old))
    report = verify_all(store)
    assert set(in_case(report, cases[2])) == {(3, REORDERED), (4, REORDERED)}


def test_a_case_last_event_deleted_is_caught_by_the_checkpoint(
    store: Settings, cases: list[UUID]
) -> None:
    execute(
        store,
        "DELETE FROM {events} WHERE originator_id = %s AND originator_version ="
        " (SELECT max(originator_version) FROM {events} WHERE originator_id = %s)",
        (case_key(store, cases[0]), case_key(store, cases[0])),
    )
    report = verify_all(store)
    assert [f.kind for f in report.findings] == [CHECKPOINT]
    assert "sealed 10 events, 9 are there now" in report.findings[0].detail


def test_verify_of_one_case_looks_at_that_case_only(store: Settings, cases: list[UUID]) -> None:
    execute(
        store,
        "DELETE FROM {events} WHERE originator_id = %s AND originator_version = 2",
        (case_key(store, cases[0]),),
    )
    with closing(build_reader(store)) as reader:
        assert verify_case(reader, cases[1]).ok
        assert verify_case(reader, cases[0]).findings == [
            Finding(str(cases[0]), 2, DELETED, "this version is missing from the store")
        ]


def test_the_command_exits_non_zero_and_names_the_case_and_version(
    store: Settings, cases: list[UUID]
) -> None:
    env = {**os.environ, "BOLASHAK_DATABASE_URL": store.database.url, "COLUMNS": "250"}
    run = [BOLASHAK, "audit", "verify"]
    intact = subprocess.run(run, env=env, capture_output=True, text=True, check=False)
    assert intact.returncode == 0, intact.stderr
    assert "intact" in intact.stdout
    execute(
        store,
        "DELETE FROM {events} WHERE originator_id = %s AND originator_version = 5",
        (case_key(store, cases[1]),),
    )
    broken = subprocess.run(run, env=env, capture_output=True, text=True, check=False)
    assert broken.returncode == 1
    assert f"deleted: case {cases[1]} version 5" in broken.stdout


def test_concurrent_writers_retried_on_conflict_still_form_one_chain(
    postgres_settings: Settings,
) -> None:
    with (
        closing(build_service(postgres_settings, clock=FixedClock(FAR_FUTURE))) as setup,
        closing(build_reader(postgres_settings)) as reader,
    ):
        j = experts_scoring_at_once(postgres_settings, setup)
        assert verify_case(reader, j.id).ok


def test_the_checkpoint_worker_seals_new_events_periodically(store: Settings) -> None:
    """``bolashak audit checkpoint --follow`` (and the embedded default's in-process worker):
    what is stored after one round is sealed by the next, each checkpoint chained to the
    one before."""
    service = build_service(store, clock=FixedClock(FAR_FUTURE))
    Journey(service).to(Stage.TESTED)
    stop = threading.Event()
    with views(store) as db:
        worker = threading.Thread(
            target=checkpoints.follow, args=(db, service.mapper, stop, 0.1, 1000)
        )
        worker.start()
        try:
            wait_for(lambda: sealed_upto(db) == db.log_head())
            Journey(service).to(Stage.ELIGIBLE)
            wait_for(lambda: sealed_upto(db) == db.log_head())
        finally:
            stop.set()
            worker.join(10)
        made = checkpoints.load(db)
    assert len(made) >= 2
    assert all(b.prev_hash == a.hash and b.after == a.upto for a, b in itertools.pairwise(made))
    assert verify_all(store).ok
    service.close()


def sealed_upto(db: ViewDatabase) -> int:
    made = checkpoints.load(db)
    return made[-1].upto if made else 0


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.05)


def test_the_checkpoint_command_seals_once_or_as_a_worker_until_stopped(store: Settings) -> None:
    """``bolashak audit checkpoint`` seals what is new and says so; with ``--follow`` it
    keeps sealing until SIGTERM, then exits cleanly."""
    env = {**os.environ, "BOLASHAK_DATABASE_URL": store.database.url, "COLUMNS": "250"}
    service = build_service(store, clock=FixedClock(FAR_FUTURE))
    Journey(service).to(Stage.TESTED)
    once = [BOLASHAK, "audit", "checkpoint"]
    sealed = subprocess.run(once, env=env, capture_output=True, text=True, check=False)
    assert sealed.returncode == 0, sealed.stderr
    assert "checkpoint #1" in sealed.stdout

    worker = subprocess.Popen(
        [*once, "--follow", "--interval", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        Journey(service).to(Stage.ELIGIBLE)
        with views(store) as db:
            wait_for(lambda: sealed_upto(db) == db.log_head())
    finally:
        worker.terminate()
        assert worker.wait(20) == 0
    again = subprocess.run(once, env=env, capture_output=True, text=True, check=False)
    assert "nothing new to seal" in again.stdout
    assert verify_all(store).ok
    service.close()
