"""The contract deadline job (``bolashak deadlines run``, following) killed (SIGKILL) at
random points and started again: each overdue case is revoked exactly once, and a case
whose contracts were signed is never revoked."""

from __future__ import annotations

import random
import time
from datetime import timedelta

import psycopg

from domain.case.stage import Stage
from domain.clock import FixedClock
from infra.case_store import CaseService
from infra.container import build_projection_engine, build_service
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.faults.conftest import (
    Workers,
    assert_versions_contiguous,
    fault_trials,
    stored_log,
)
from tests.support.journey import PROTOCOL_DATE, Journey

OVERDUE_PER_ROUND, SIGNED = 20, 5
DAY_91 = PROTOCOL_DATE + timedelta(days=91)
TRIALS = fault_trials(4)


def revocations(log: dict[str, list[tuple[int, str]]]) -> dict[str, int]:
    return {
        case: n
        for case, events in log.items()
        if (n := sum(topic.endswith("StatusRevoked") for _, topic in events))
    }


def revoked_count(connection: psycopg.Connection[tuple[int]], table: str) -> int:
    """How many revocations are stored: one cheap query, so that the kill follows the
    count it waits for within a millisecond or two (reading the whole log took longer than
    a pass of the job on a fast machine, and the kill came after the pass had ended)."""
    row = connection.execute(
        f"SELECT count(*) FROM {table} WHERE topic LIKE %s", ("%StatusRevoked",)
    ).fetchone()
    return int(row[0]) if row else 0


def follow(workers: Workers) -> None:
    """Starts the job as of day 91, passing over the deadlines every 0.2 s."""
    workers.start(
        "deadlines",
        *("deadlines", "run", "--today", DAY_91.isoformat(), "--interval", "0.2"),
        ready="following the contract deadlines",
    )


def test_deadline_job_killed_at_random_points_revokes_each_overdue_case_once(
    fresh_postgres: Settings, workers: Workers, fault_rng: random.Random
) -> None:
    service: CaseService = build_service(fresh_postgres, clock=FixedClock(FAR_FUTURE))
    signed = {str(Journey(service).to(Stage.CONTRACTED)) for _ in range(SIGNED)}
    engine = build_projection_engine(fresh_postgres, ["deadlines"])
    overdue: set[str] = set()
    cut_short = 0  # kills that left some of the round's overdue cases unrevoked
    counter = psycopg.connect(fresh_postgres.database.dsn(), autocommit=True)
    for _ in range(TRIALS):
        overdue |= {str(Journey(service).to(Stage.AWARDED)) for _ in range(OVERDUE_PER_ROUND)}
        engine.run_until_head()  # what the projection worker does meanwhile
        done = revoked_count(counter, service.events_table())
        # killed once a random number of the round's cases, up to half, is revoked (each
        # revocation takes a few milliseconds: the other half is still to come)
        target = done + fault_rng.randint(1, OVERDUE_PER_ROUND // 2)
        follow(workers)
        while revoked_count(counter, service.events_table()) < target:
            time.sleep(0.001)
        workers.kill("deadlines")
        cut_short += revoked_count(counter, service.events_table()) < len(overdue)
    counter.close()
    print(f"{cut_short} of {TRIALS} kills cut a pass over the overdue cases short")
    assert cut_short > 0, "no kill cut a pass short: the trial proved nothing"

    engine.run_until_head()
    engine.db.close()
    service.close()
    follow(workers)
    deadline = time.monotonic() + 60
    while len(revocations(stored_log(fresh_postgres))) < len(overdue):
        assert time.monotonic() < deadline, workers.output()
        time.sleep(0.3)
    workers.stop_all()
    log = stored_log(fresh_postgres)
    assert_versions_contiguous(log)
    assert revocations(log) == dict.fromkeys(overdue, 1)
    assert not signed & set(revocations(log))
