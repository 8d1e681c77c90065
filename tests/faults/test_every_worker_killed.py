"""Every process of a deployment (the API, the projection worker, the deadline job and
the relay) on one PostgreSQL database and a Kafka-protocol broker, killed (SIGKILL) at
random while clients work, and started again: the store holds what an uninterrupted run
holds, each overdue case is revoked once, the read models equal a rebuild, and the topic
holds every stored event in each case's order (at least once, with stable ids)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.quota.ledger import quota_ledger_id
from infra.container import build_service
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.e2e.conftest import server_environment
from tests.faults.conftest import (
    Workers,
    assert_versions_contiguous,
    fault_trials,
    stored_log,
    wait_for_read_models,
)
from tests.faults.workload import CASES_PER_TRIAL, case_id, run_trials, uninterrupted_log
from tests.support.broker import Tansu
from tests.support.journey import PROTOCOL_DATE, Journey
from tests.support.kafka import (
    first_seen_versions,
    kafka_env,
    read_topic,
    relay_status,
    with_broker,
)

TRIALS = fault_trials(2)
OVERDUE = 12
DAY_91 = PROTOCOL_DATE + timedelta(days=91)


def wait_until(done: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"not within {timeout:g}s: {what}"
        time.sleep(0.3)


def test_every_worker_killed_at_random_ends_as_an_uninterrupted_run(
    fresh_postgres: Settings, broker: Tansu, fault_rng: random.Random, tmp_path: Path
) -> None:
    settings = with_broker(fresh_postgres, broker.bootstrap)
    env = server_environment(settings.database.url, production=False) | kafka_env(settings)
    workers = Workers(settings, tmp_path / "processes", env)
    service = build_service(settings, clock=FixedClock(FAR_FUTURE))
    overdue = {str(Journey(service).to(Stage.AWARDED)) for _ in range(OVERDUE)}
    service.close()
    starts: dict[str, Callable[[], object]] = {
        "serve": workers.serve,
        "projections": workers.follow_log,
        "deadlines": lambda: workers.start(
            "deadlines",
            *("deadlines", "run", "--today", DAY_91.isoformat(), "--interval", "0.5"),
            ready="following the contract deadlines",
        ),
        "relay": lambda: workers.start("relay", "relay", "--page-size", "20", ready="relaying"),
    }
    killed: list[list[str]] = []

    def kill_some() -> None:
        names = fault_rng.sample(sorted(starts), fault_rng.randint(1, len(starts)))
        killed.append(names)
        for name in names:
            workers.kill(name)
        for name in names:
            starts[name]()

    try:
        for start in starts.values():
            start()
        tally = run_trials(workers, TRIALS, fault_rng, kill_some)
        print(f"killed per trial: {killed}; {tally.resent} requests resent")

        def revoked() -> int:
            log = stored_log(settings)
            return sum(t.endswith("StatusRevoked") for c in overdue for _, t in log.get(c, []))

        wait_until(lambda: revoked() == OVERDUE, 60, "every overdue case revoked")
        wait_until(lambda: relay_status(settings).lag == 0, 60, "the relay at the head")
        wait_for_read_models(settings)
    finally:
        workers.stop_all()
    assert tally.wrong == []

    log = stored_log(settings)
    assert_versions_contiguous(log)
    workload = {case_id(n) for n in range(TRIALS * CASES_PER_TRIAL)}
    ledger = str(quota_ledger_id(2023))  # the campaign's places, opened by its first award
    assert set(log) - {ledger} == workload | overdue
    assert {c: e for c, e in log.items() if c in workload} == uninterrupted_log(TRIALS)
    for case in overdue:
        assert [t for _, t in log[case]].count(log[case][-1][1]) == 1  # revoked once, last
        assert log[case][-1][1].endswith("StatusRevoked")

    total = sum(len(events) for events in log.values())
    records = read_topic(broker.bootstrap, settings.kafka.topic, at_least=total, timeout=60)
    assert first_seen_versions(records) == {c: [v for v, _ in e] for c, e in log.items()}
    assert all(r.event_id == f"{r.application_id}:{r.version}" for r in records)
    print(f"{total} events stored; {len(records) - total} re-sent on the topic after kills")
