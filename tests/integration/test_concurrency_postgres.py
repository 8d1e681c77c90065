"""Concurrent commands on PostgreSQL: optimistic concurrency, retries, no lost update."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TypeVar
from uuid import UUID, uuid4

import psycopg
from eventsourcing.persistence import IntegrityError, StoredEvent

from domain import commands as c
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.errors import TransitionRefusedError
from domain.service import CommandResult
from infra.case_store import CaseService
from infra.container import build_reader, build_service, view_database
from infra.event_store import LockedInsertRecorder
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support import builders as b
from tests.support.journey import SCORES, SLOT_DAY, Journey

WRITERS = 16
T = TypeVar("T")


def in_parallel(
    settings: Settings, work: Callable[[CaseService, int], T], *, shared: bool = False
) -> list[T | Exception]:
    """Runs ``work`` on WRITERS threads, each with its own service (its own connections),
    or, when ``shared``, all through one service, as the API's request threads do (its
    saves are then committed in groups: infra/event_store.py)."""
    one_connection = settings.model_copy(update={"pool_size": 1})  # 16 writers, 16 connections
    if shared:
        common = build_service(
            settings.model_copy(update={"pool_size": 4}), clock=FixedClock(FAR_FUTURE)
        )
        services = [common] * WRITERS
    else:
        services = [
            build_service(one_connection, clock=FixedClock(FAR_FUTURE)) for _ in range(WRITERS)
        ]

    def one(i: int) -> T | Exception:
        try:
            return work(services[i], i)
        except Exception as e:  # collected and asserted on by the test
            return e

    with ThreadPoolExecutor(WRITERS) as pool:
        results = list(pool.map(one, range(WRITERS)))
    for service in set(services):
        service.close()
    return results


def experts_scoring_at_once(
    settings: Settings, setup: CaseService, *, shared: bool = False
) -> Journey:
    """WRITERS NEC members send their sheets for one case at the same moment."""
    j = Journey(setup)
    j.to(Stage.INTERVIEW_BOOKED)

    def evaluate(service: CaseService, i: int) -> CommandResult:
        ctx = b.context(f"sheet-{j.id}-{i}", on=SLOT_DAY, role=Role.EXPERT, actor=f"nec-{i}")
        return service.handle(c.EvaluateInterview(j.id, SCORES, True, ""), ctx)

    results = in_parallel(settings, evaluate, shared=shared)
    assert [r for r in results if not isinstance(r, CommandResult)] == []
    return j


def test_sixteen_experts_scoring_one_case_at_once_lose_no_sheet(
    postgres_settings: Settings,
) -> None:
    setup = build_service(postgres_settings, clock=FixedClock(FAR_FUTURE))
    j = experts_scoring_at_once(postgres_settings, setup)
    events = list(setup.events.get(j.id))
    assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
    assert len(setup.get_case(j.id).interview_sheets) == WRITERS
    setup.close()


def test_sheets_racing_through_one_process_are_each_kept_once(postgres_settings: Settings) -> None:
    """Saves committed in one group: a sheet whose version is taken by another in the same
    group is refused alone, re-decided on the stored case and saved again."""
    setup = build_service(postgres_settings, clock=FixedClock(FAR_FUTURE))
    j = experts_scoring_at_once(postgres_settings, setup, shared=True)
    events = list(setup.events.get(j.id))
    assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
    assert len(setup.get_case(j.id).interview_sheets) == WRITERS
    setup.close()


def test_saves_of_one_process_are_committed_in_groups_and_every_one_is_kept(
    postgres_settings: Settings,
) -> None:
    per_writer = 6
    service = build_service(postgres_settings, clock=FixedClock(FAR_FUTURE))
    recorders: set[LockedInsertRecorder] = set()

    def intake(shared: CaseService, i: int) -> list[CommandResult]:
        assert isinstance(shared.recorder, LockedInsertRecorder)
        recorders.add(shared.recorder)
        done = []
        for k in range(per_writer):
            ctx = b.context(f"egov-group-{i}-{k}", role=Role.APPLICANT)
            submitted = shared.handle(b.submission(), ctx)
            assess = c.AssessEligibility(submitted.application_id)
            done.append(shared.handle(assess, b.context(f"elig-{i}-{k}")))
        return done

    results = in_parallel(postgres_settings, intake, shared=True)
    assert all(isinstance(r, list) for r in results), results
    cases = {r.application_id for rs in results if isinstance(rs, list) for r in rs}
    assert len(cases) == WRITERS * per_writer
    (recorder,) = recorders
    assert recorder.grouped > 0, "no two saves were ever written together"
    assert recorder.statements < 2 * WRITERS * per_writer
    for case in cases:
        assert [e.originator_version for e in service.events.get(case)] == [1, 2]
    service.close()


def test_one_submission_retried_sixteen_times_at_once_is_stored_once(
    postgres_settings: Settings,
) -> None:
    def submit(service: CaseService, _: int) -> CommandResult:
        return service.handle(b.submission(), b.context("egov-burst-1", role=Role.APPLICANT))

    results = in_parallel(postgres_settings, submit)
    ids = {r.application_id for r in results if isinstance(r, CommandResult)}
    assert len(ids) == 1, results
    reader = build_service(postgres_settings, clock=FixedClock(FAR_FUTURE))
    assert len(list(reader.events.get(ids.pop()))) == 1
    reader.close()


def test_competing_testing_results_one_wins_the_others_are_refused_clearly(
    postgres_settings: Settings,
) -> None:
    setup = build_service(postgres_settings, clock=FixedClock(FAR_FUTURE))
    j = Journey(setup)
    j.to(Stage.ELIGIBLE)

    def record(service: CaseService, i: int) -> CommandResult:
        ctx = b.context(f"testing-{j.id}-{i}", on=date(2023, 5, 5))
        return service.handle(c.RecordTesting(j.id, i, i), ctx)

    results = in_parallel(postgres_settings, record)
    winners = [r for r in results if isinstance(r, CommandResult)]
    losers = [r for r in results if not isinstance(r, CommandResult)]
    assert len(winners) == 1
    assert all(isinstance(r, TransitionRefusedError) for r in losers), losers
    assert len(list(setup.events.get(j.id))) == 3
    setup.close()


def test_sixteen_writers_on_sixteen_cases_store_every_case(postgres_settings: Settings) -> None:
    def submit(service: CaseService, i: int) -> CommandResult:
        ctx = b.context(f"egov-many-{i}", role=Role.APPLICANT)
        return service.handle(b.submission(), ctx)

    results = in_parallel(postgres_settings, submit)
    assert len({r.application_id for r in results if isinstance(r, CommandResult)}) == WRITERS


def test_a_follower_of_the_log_misses_no_event_while_writers_commit_out_of_order(
    fresh_postgres: Settings,
) -> None:
    """Each save takes the event table's lock until it commits (infra/event_store.py), so
    notification ids become visible in order: a reader that moves on past the highest id
    it saw never skips one committed later with a lower id (shared/FIELD-NOTES.md)."""
    follower_sees_every_event_once_in_order(fresh_postgres)


def test_a_follower_misses_no_event_when_writers_pause_at_random_inside_their_saves(
    fresh_postgres: Settings,
) -> None:
    """Issue 22: sixteen writers whose saves each sleep a random 0 to 5 ms inside their
    transaction, after their rows are inserted (a trigger on the event table), so that
    commits come late and in any order: the follower still sees every event once, in the
    log's order."""
    reader = build_reader(fresh_postgres)
    table = reader.events_table()
    reader.close()
    with psycopg.connect(fresh_postgres.database.dsn(), autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION pause_at_random() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN PERFORM pg_sleep(random() * 0.005); RETURN NULL; END; $$"
        )
        conn.execute(
            f"CREATE TRIGGER pause_at_random AFTER INSERT ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION pause_at_random()"
        )
    follower_sees_every_event_once_in_order(fresh_postgres)


def follower_sees_every_event_once_in_order(settings: Settings) -> None:
    reader = build_reader(settings)
    views = view_database(settings, reader.events_table())
    seen: list[int] = []
    done = threading.Event()

    def follow() -> None:
        position = 0
        while True:
            finished = done.is_set()
            for n in views.read_log(position, 500):
                seen.append(n.id)
                position = n.id
            if finished:
                return

    follower = threading.Thread(target=follow)
    follower.start()

    def submit_many(service: CaseService, i: int) -> int:
        for k in range(25):
            service.handle(b.submission(), b.context(f"gap-{i}-{k}"))
        return i

    results = in_parallel(settings, submit_many)
    done.set()
    follower.join(60)
    assert all(isinstance(r, int) for r in results), results
    stored = [n.id for n in views.read_log(0, 100_000)]
    assert len(stored) == WRITERS * 25
    assert seen == stored  # every event, in log order, none skipped
    views.close()
    reader.close()


def test_a_save_whose_version_is_taken_is_refused_alone_in_its_group(
    fresh_postgres: Settings,
) -> None:
    """Group commit (infra/event_store.py): each save of a group is its own unit. Three
    saves queue behind a leader that waits for the table's lock and go out together in
    one statement; the one whose version is taken is refused, the other two are stored."""
    service, recorder = _service_and_recorder(fresh_postgres)
    taken, two, one = uuid4(), uuid4(), uuid4()
    recorder.insert_events([_stored(taken, 1)])
    statements = recorder.statements
    saves = [
        [_stored(uuid4(), 1)],  # the leader's own
        [_stored(two, 1), _stored(two, 2)],
        [_stored(taken, 1)],
        [_stored(one, 1)],
    ]
    results = _saves_queued_behind_a_waiting_leader(fresh_postgres, service, lambda: None, saves)
    assert recorder.statements - statements == 2  # the leader's save, then the group
    assert isinstance(results[2], IntegrityError), results
    stored_two, stored_one = results[1], results[3]
    assert isinstance(stored_two, list), results
    assert isinstance(stored_one, list), results
    assert len(stored_two) == 2
    assert stored_two[1] == stored_two[0] + 1
    assert len(stored_one) == 1
    stored = recorder.select_notifications(start=None, limit=10)
    assert sorted((n.originator_id, n.originator_version) for n in stored[1:]) == sorted(
        [(saves[0][0].originator_id, 1), (two, 1), (two, 2), (one, 1)]
    )
    assert (stored[0].originator_id, stored[0].originator_version) == (taken, 1)  # only once
    service.close()


def _service_and_recorder(settings: Settings) -> tuple[CaseService, LockedInsertRecorder]:
    service = build_service(settings, clock=FixedClock(FAR_FUTURE))
    assert isinstance(service.recorder, LockedInsertRecorder)
    return service, service.recorder


def _saves_queued_behind_a_waiting_leader(
    settings: Settings,
    service: CaseService,
    while_waiting: Callable[[], None],
    saves: Sequence[Sequence[StoredEvent]] = (),
) -> list[object]:
    """``saves`` (four new cases' first events by default), each from a thread of its own,
    while another connection holds the events table's lock: the first leads and waits for
    the lock, the others queue behind it. Then ``while_waiting`` runs and the lock is
    released. Each thread's result or error."""
    recorder = service.recorder
    assert isinstance(recorder, LockedInsertRecorder)
    saves = saves or [[_stored(uuid4(), 1)] for _ in range(4)]
    results: list[object] = [None] * len(saves)

    def save(i: int) -> None:
        try:
            results[i] = recorder.insert_events(saves[i])
        except Exception as e:  # asserted on by the test
            results[i] = e

    with psycopg.connect(settings.database.dsn()) as blocker:
        blocker.execute(f"LOCK TABLE {service.events_table()} IN EXCLUSIVE MODE")
        leader = threading.Thread(target=save, args=(0,))
        leader.start()
        deadline = time.monotonic() + 30
        while not recorder._leading or recorder._queue:  # the leader took its own save
            assert time.monotonic() < deadline, "the leader never waited for the lock"
            time.sleep(0.01)
        threads = [
            leader,
            *(threading.Thread(target=save, args=(i,)) for i in range(1, len(saves))),
        ]
        for thread in threads[1:]:
            thread.start()
        while len(recorder._queue) < len(saves) - 1:  # the others wait for it
            assert time.monotonic() < deadline, "the saves never queued"
            time.sleep(0.01)
        while_waiting()
        blocker.rollback()  # the lock goes
    for thread in threads:
        thread.join(30)
    return results


def test_saves_queued_behind_a_leader_go_out_on_its_connection_which_then_goes_back(
    fresh_postgres: Settings,
) -> None:
    """The leading streak's connection (infra/event_store.py): the first leader checks one
    out of the pool, hands it to the next leader, and the last gives it back."""
    service, recorder = _service_and_recorder(fresh_postgres)
    recorder.insert_events([_stored(uuid4(), 1)])  # the pool is open
    pool = recorder.datastore.pool
    checkouts = pool.get_stats()["requests_num"]
    statements = recorder.statements
    results = _saves_queued_behind_a_waiting_leader(fresh_postgres, service, lambda: None)
    assert all(isinstance(r, list) for r in results), results
    assert recorder.statements - statements == 2  # the leader's save, then the three queued
    assert pool.get_stats()["requests_num"] - checkouts == 1  # one connection for both
    assert recorder._held is None
    assert pool.get_stats()["pool_available"] == pool.get_stats()["pool_size"]
    service.close()


def test_a_leaders_connection_lost_mid_streak_is_replaced_and_no_save_is_lost(
    fresh_postgres: Settings,
) -> None:
    service, recorder = _service_and_recorder(fresh_postgres)
    recorder.insert_events([_stored(uuid4(), 1)])

    def kill_the_waiting_leader() -> None:
        with psycopg.connect(fresh_postgres.database.dsn(), autocommit=True) as admin:
            killed = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchall()
        assert killed == [(True,)]

    results = _saves_queued_behind_a_waiting_leader(
        fresh_postgres, service, kill_the_waiting_leader
    )
    assert all(isinstance(r, list) for r in results), results  # each retried its save
    stored = recorder.select_notifications(start=None, limit=10)
    assert len(stored) == 5
    assert recorder._held is None
    for _ in range(recorder.datastore.pool.get_stats()["pool_size"]):  # none left broken
        with recorder.datastore.get_connection() as conn:
            conn.execute("SELECT 1")
    service.close()


def _stored(case: UUID, version: int) -> StoredEvent:
    return StoredEvent(case, version, "tests:Raw", b"{}")
