"""The event store on SQLite (embedded default) and PostgreSQL: every event kept, unchanged."""

from __future__ import annotations

import signal
import time
from contextlib import closing
from types import FrameType

import psycopg
import pytest

from domain.case.events import EVENT_TYPES
from domain.case.stage import Stage
from domain.clock import FixedClock
from infra.container import build_reader, build_service
from infra.database import init_schema
from infra.event_store import LockedInsertRecorder
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support import builders as b
from tests.support.all_events import record_every_event_type
from tests.support.journey import Journey


def test_every_event_type_is_stored_and_rebuilt_unchanged(store_settings: Settings) -> None:
    service = build_service(store_settings, clock=FixedClock(FAR_FUTURE))
    case_ids = record_every_event_type(service)
    reader = build_reader(store_settings)  # a second process's view: no shared cache
    topics = set()
    for case_id in case_ids:
        live, rebuilt = service.get_case(case_id), reader.get_case(case_id)
        assert vars(rebuilt) == vars(live)
        topics |= {type(e).__name__ for e in reader.events.get(case_id)}
    assert topics == {t.__name__ for t in EVENT_TYPES}
    service.close()
    reader.close()


def test_a_case_is_read_back_as_of_any_version(store_settings: Settings) -> None:
    service = build_service(store_settings, clock=FixedClock(FAR_FUTURE))
    case_id = Journey(service).to(Stage.AWARDED)
    reader = build_reader(store_settings)
    stages = [reader.get_case(case_id, version=v).stage for v in (1, 2, 3)]
    assert stages == [Stage.SUBMITTED, Stage.ELIGIBLE, Stage.TESTED]
    service.close()
    reader.close()


def test_schema_creation_is_idempotent(store_settings: Settings) -> None:
    init_schema(store_settings)
    init_schema(store_settings)
    service = build_service(store_settings, clock=FixedClock(FAR_FUTURE))
    assert Journey(service).to(Stage.SUBMITTED)
    service.close()


def test_db_init_drops_the_older_signatures_of_the_insert_functions(
    fresh_postgres: Settings,
) -> None:
    """An insert function created by a release before the data keys' arrays keeps its
    overload beside the current one through ``CREATE OR REPLACE``; ``db init`` drops it,
    and saves go on through the current one."""
    schema = "public"  # the library's default schema, where the events table is
    older = (
        "CREATE FUNCTION {schema}.bolashak_events_insert_locked(uuid[], bigint[], text[],"
        " bytea[]) RETURNS SETOF bigint LANGUAGE sql AS 'SELECT 1::bigint'; "
        "CREATE FUNCTION {schema}.bolashak_events_insert_group(uuid[], bigint[], text[],"
        " bytea[], int[]) RETURNS TABLE (grp int, n bigint) LANGUAGE sql AS"
        " 'SELECT 1, 1::bigint'"
    )
    overloads = (
        "SELECT p.proname, count(*) FROM pg_proc p WHERE p.pronamespace = to_regnamespace(%s)"
        " AND p.proname LIKE 'bolashak_events_insert_%%' GROUP BY p.proname ORDER BY 1"
    )
    with psycopg.connect(fresh_postgres.database.dsn(), autocommit=True) as conn:
        conn.execute(older.format(schema=schema))
        assert conn.execute(overloads, (schema,)).fetchall() == [
            ("bolashak_events_insert_group", 2),
            ("bolashak_events_insert_locked", 2),
        ]
        init_schema(fresh_postgres)
        assert conn.execute(overloads, (schema,)).fetchall() == [
            ("bolashak_events_insert_group", 1),
            ("bolashak_events_insert_locked", 1),
        ]
    with closing(build_service(fresh_postgres, clock=FixedClock(FAR_FUTURE))) as service:
        assert Journey(service).to(Stage.ELIGIBLE)


def test_two_processes_writing_one_case_each_decide_on_the_stored_case(
    store_settings: Settings,
) -> None:
    """A process's cached case is not re-read before every command: a step another
    process took meanwhile shows as a conflict on save (then the case is re-read), and a
    command its stale copy would refuse is decided again on the stored case."""
    first = build_service(store_settings, clock=FixedClock(FAR_FUTURE))
    second = build_service(store_settings, clock=FixedClock(FAR_FUTURE))
    journey = Journey(first)
    case_id = journey.to(Stage.ELIGIBLE)  # ``first`` caches the case as eligible

    Journey.resume(second, case_id).to(Stage.INTERVIEW_BOOKED)  # tested, slot booked
    Journey.resume(first, case_id).to(Stage.INTERVIEWED)  # valid only on the stored case

    reader = build_reader(store_settings)
    versions = [e.originator_version for e in reader.events.get(case_id)]
    assert versions == list(range(1, len(versions) + 1))
    assert second.get_case(case_id).stage is Stage.INTERVIEWED  # reads are never stale
    for app in (first, second, reader):
        app.close()


def test_a_submission_retried_through_another_process_returns_the_first_result(
    store_settings: Settings,
) -> None:
    """The second process has not seen the case and saves it as new without a read: the
    save conflicts, and the retry is answered from the stored case, storing nothing."""
    first = build_service(store_settings, clock=FixedClock(FAR_FUTURE))
    second = build_service(store_settings, clock=FixedClock(FAR_FUTURE))
    package, ctx = b.submission(), b.context("egov-retried-elsewhere")
    stored = first.handle(package, ctx)
    retried = second.handle(package, ctx)
    assert (retried.application_id, retried.version, retried.replayed) == (
        stored.application_id,
        1,
        True,
    )
    assert len(list(second.events.get(stored.application_id))) == 1
    first.close()
    second.close()


def test_a_connection_that_dropped_the_prepared_inserts_prepares_them_again(
    fresh_postgres: Settings,
) -> None:
    """A save calls its insert function as a statement prepared on the connection at its
    first use there. A connection whose prepared statements were dropped since (psycopg's
    ``DEALLOCATE ALL``, a pooler's reset) prepares it again: the save is stored, once."""
    with closing(build_service(fresh_postgres, clock=FixedClock(FAR_FUTURE))) as service:
        case_id = Journey(service).to(Stage.SUBMITTED)
        assert isinstance(service.recorder, LockedInsertRecorder)
        pool = service.recorder.datastore.pool
        idle = [pool.getconn() for _ in range(pool.get_stats()["pool_available"])]
        assert idle
        for conn in idle:
            conn.execute("DEALLOCATE ALL")
            pool.putconn(conn)
        Journey.resume(service, case_id).to(Stage.ELIGIBLE)
    with closing(build_reader(fresh_postgres)) as reader:
        versions = [e.originator_version for e in reader.events.get(case_id)]
    assert versions == list(range(1, len(versions) + 1))
    assert len(versions) >= 2


def test_a_save_waiting_on_the_database_is_interrupted_by_ctrl_c_and_cancelled(
    fresh_postgres: Settings,
) -> None:
    """A save's statement is waited for as psycopg waits for its own: Ctrl-C ends the wait
    at once (not when the lock timeout ends the statement), the statement is cancelled in
    the server (nothing stored), and the next save goes through on the same store."""
    with closing(build_service(fresh_postgres, clock=FixedClock(FAR_FUTURE))) as service:
        case_id = Journey(service).to(Stage.SUBMITTED)
        with psycopg.connect(fresh_postgres.database.dsn()) as holder:
            holder.execute(f"LOCK TABLE {service.events_table()} IN EXCLUSIVE MODE")
            previous = signal.signal(signal.SIGALRM, _ctrl_c)
            signal.setitimer(signal.ITIMER_REAL, 0.5)
            started = time.monotonic()
            try:
                with pytest.raises(KeyboardInterrupt):
                    Journey.resume(service, case_id).to(Stage.ELIGIBLE)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
            waited = time.monotonic() - started
            holder.rollback()
        assert waited < fresh_postgres.lock_timeout_seconds / 2
        with closing(build_reader(fresh_postgres)) as reader:
            assert [e.originator_version for e in reader.events.get(case_id)] == [1]
        Journey.resume(service, case_id).to(Stage.ELIGIBLE)
        assert service.get_case(case_id).stage is Stage.ELIGIBLE


def _ctrl_c(_signal: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt
