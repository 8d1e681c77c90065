"""The projection worker: dead letters, retry, rebuild with live queries, lag, in-process."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from typing_extensions import override

from domain.case import events as ev
from domain.case.stage import Stage
from domain.clock import FixedClock
from infra.case_store import CaseService
from infra.container import build_in_process_workers, build_projection_engine
from infra.settings import Settings
from projections import queries
from projections.case_list import CaseListProjection
from projections.engine import ProjectionEngine
from projections.rebuild import rebuild
from projections.rows import Key, Rows
from projections.schema import Table, index_suffix
from tests.conftest import FAR_FUTURE
from tests.integration.conftest import OpenService
from tests.support.journey import Journey
from tests.support.read_models import database_snapshot, fold_snapshot


class Flaky(CaseListProjection):
    """The case list with a bug: it cannot handle testing results until ``fixed``."""

    fixed = False

    @override
    def keys(self, event: ev.CaseEvent) -> Iterable[tuple[Table, Key]]:
        return super().keys(event)

    @override
    def apply(self, rows: Rows, event: ev.CaseEvent, position: int) -> None:
        if isinstance(event, ev.TestingCompleted) and not self.fixed:
            raise ValueError("cannot read testing results")
        super().apply(rows, event, position)


def cases_at(stage: Stage, service: CaseService, count: int = 1) -> CaseService:
    """``service``, in which ``count`` new cases have been taken to ``stage``."""
    for _ in range(count):
        Journey(service).to(stage)
    return service


def flaky_engine(store: Settings) -> tuple[ProjectionEngine, Flaky]:
    engine = build_projection_engine(store, ["case_list"])
    flaky = Flaky()
    engine.projections = [flaky]
    return engine, flaky


def test_an_event_that_fails_is_parked_with_its_error_and_the_world_goes_on(
    fresh_postgres: Settings, open_service: OpenService
) -> None:
    service = open_service(fresh_postgres, FixedClock(FAR_FUTURE))
    stuck, fine = Journey(service), Journey(service)
    stuck.to(Stage.INTERVIEW_BOOKED)
    fine.to(Stage.ELIGIBLE)
    engine, flaky = flaky_engine(fresh_postgres)
    engine.run_until_head()
    (status,) = engine.status()
    assert status.lag == 0
    assert status.dead_letters == 2  # the failing event, and the later one of that case
    with engine.db.transaction() as cur:
        from projections import tracking

        letters = tracking.dead_letters(cur, "case_list")
    assert [x.event_type for x in letters] == ["TestingCompleted", "InterviewSlotBooked"]
    assert "cannot read testing results" in letters[0].error
    row = queries.get_case_row(engine.db, str(fine.id))
    assert row is not None
    assert row["stage"] == "eligible"
    stuck_row = queries.get_case_row(engine.db, str(stuck.id))
    assert stuck_row is not None
    assert stuck_row["stage"] == "eligible"  # held back, not skipped silently

    flaky.fixed = True
    assert engine.retry("case_list") == (2, 0)
    stuck_row = queries.get_case_row(engine.db, str(stuck.id))
    assert stuck_row is not None
    assert stuck_row["stage"] == "interview_booked"
    assert database_snapshot(engine) == fold_snapshot(engine)


def test_a_retry_that_still_fails_keeps_the_events_parked(
    fresh_postgres: Settings, open_service: OpenService
) -> None:
    cases_at(Stage.TESTED, open_service(fresh_postgres, FixedClock(FAR_FUTURE)))
    engine, _ = flaky_engine(fresh_postgres)
    engine.run_until_head()
    assert engine.retry("case_list") == (0, 1)


def test_queries_keep_working_during_a_rebuild_and_the_worker_carries_on(
    store_settings: Settings, open_service: OpenService
) -> None:
    service = cases_at(Stage.AWARDED, open_service(store_settings, FixedClock(FAR_FUTURE)), 15)
    engine = build_projection_engine(store_settings)
    engine.run_until_head()
    reader = build_projection_engine(store_settings)
    stop, seen, errors = threading.Event(), [], []

    def query_all_the_time() -> None:
        while not stop.is_set():
            try:
                seen.append(len(queries.list_cases(reader.db, first=100).items))
            except Exception as e:  # recorded for the assertion below
                errors.append(e)

    querying = threading.Thread(target=query_all_the_time)
    querying.start()
    report = rebuild(engine, "case_list", page_size=7)
    Journey(service).to(Stage.TESTED)  # written after the swap
    engine.run_until_head()
    stop.set()
    querying.join()
    assert errors == []
    assert min(seen) > 0  # never an empty or missing table
    assert report.position <= engine.head()
    assert database_snapshot(engine) == fold_snapshot(engine)


def test_a_rebuilt_postgres_table_comes_with_planner_statistics(
    fresh_postgres: Settings, open_service: OpenService
) -> None:
    cases_at(Stage.ELIGIBLE, open_service(fresh_postgres, FixedClock(FAR_FUTURE)), count=3)
    engine = build_projection_engine(fresh_postgres)
    rebuild(engine, "case_list")
    with engine.db.transaction() as cur:
        cur.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN ('case_list', 'case_pii')"
        )
        stats = dict(cur.fetchall())
    assert stats == {"case_list": 3, "case_pii": 3}  # -1 (never analysed) without ANALYZE


def test_a_rebuilt_table_has_every_declared_index_under_its_final_name(
    store_settings: Settings, open_service: OpenService
) -> None:
    cases_at(Stage.ELIGIBLE, open_service(store_settings, FixedClock(FAR_FUTURE)))
    engine = build_projection_engine(store_settings)
    engine.run_until_head()
    before = _index_names(engine)
    for name in [p.name for p in engine.projections]:
        rebuild(engine, name)
    after = _index_names(engine)
    longest = 63 if engine.db.dialect == "postgres" else None  # PostgreSQL's NAMEDATALEN
    declared = {
        f"{t.name}__{index_suffix(i)}"[:longest]
        for p in engine.projections
        for t in p.tables
        for i in t.indexes
    }
    assert declared <= after
    assert after == before


def _index_names(engine: ProjectionEngine) -> set[str]:
    sql = (
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
        if engine.db.dialect == "postgres"
        else "SELECT name FROM sqlite_master WHERE type = 'index'"
    )
    return {
        name for (name,) in engine.db.query(sql) if "pkey" not in name and "autoindex" not in name
    }


def test_lag_is_the_distance_to_the_head_of_the_log(
    store_settings: Settings, open_service: OpenService
) -> None:
    service = open_service(store_settings, FixedClock(FAR_FUTURE))
    engine = build_projection_engine(store_settings, ["audit_trail"])
    engine.run_until_head()
    Journey(service).to(Stage.TESTED)
    (status,) = engine.status()
    assert status.lag == 3
    engine.run_until_head()
    assert engine.status()[0].lag == 0


def test_in_process_workers_follow_the_embedded_store(
    sqlite_settings: Settings, open_service: OpenService
) -> None:
    service = open_service(sqlite_settings, FixedClock(FAR_FUTURE))
    workers = build_in_process_workers(
        sqlite_settings, service, FixedClock(FAR_FUTURE), idle_wait=0.05
    )
    workers.start()
    try:
        case_id = Journey(service).to(Stage.INTERVIEW_BOOKED)
        deadline = time.monotonic() + 20
        row = None
        while time.monotonic() < deadline:
            row = queries.get_case_row(workers.engine.db, str(case_id))
            if row is not None and row["stage"] == "interview_booked":
                break
            time.sleep(0.05)
        assert row is not None
        assert row["stage"] == "interview_booked"
    finally:
        workers.stop()
