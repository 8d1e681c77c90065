"""The relay killed at random points, and the example consumer fed duplicates (issue 5)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from kafka import KafkaProducer

from domain.clock import FixedClock
from infra.case_store import CaseService
from infra.container import build_consumer, build_projection_engine, build_relay, build_service
from infra.example_consumer import new_kafka_consumer
from infra.relay import tracking as relay_tracking
from infra.settings import Settings
from infra.simulation.campaign import simulate_campaign
from tests.support.broker import Tansu
from tests.support.kafka import (
    GROUP_TIMINGS,
    first_seen_versions,
    kafka_env,
    read_to_the_end,
    read_topic,
    relay_status,
    stored_versions,
    with_broker,
)

BOLASHAK = str(Path(sys.executable).parent / "bolashak")
TODAY = date(2024, 3, 1)
KILLS = int(os.environ.get("RELAY_KILL_TRIALS", "5"))
# Every message is on the topic before the example consumer starts: it stops once it has
# read to the end of each partition (it idled 8 s after the last message before), or after
# three seconds without a message at the latest.
IDLE_EXIT_SECONDS = 3


@pytest.fixture
def service(fresh_postgres: Settings) -> Iterator[CaseService]:
    made = build_service(fresh_postgres, clock=FixedClock(TODAY))
    yield made
    made.close()


def relay_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "BOLASHAK_DATABASE_URL": settings.database.url,
        **kafka_env(settings),
        "COLUMNS": "200",
    }


def test_relay_killed_at_random_points_loses_nothing_and_keeps_each_case_in_order(
    fresh_postgres: Settings, broker: Tansu, service: CaseService
) -> None:
    seed = int(os.environ.get("RELAY_KILL_SEED", str(time.time_ns() % 2**32)))
    print(f"relay kill trials: {KILLS}, seed {seed} (replay with RELAY_KILL_SEED={seed})")
    rng = random.Random(seed)
    settings = with_broker(fresh_postgres, broker.bootstrap)
    env = relay_env(settings)
    first = 1
    outcomes = []
    for trial in range(KILLS):
        cases = rng.randint(20, 60)
        simulate_campaign(service, cases, seed=seed + trial, today=TODAY, first_case=first)
        first += cases
        before = relay_status(settings).position
        relay = subprocess.Popen(
            [BOLASHAK, "relay", "--page-size", str(rng.choice((20, 50, 100)))],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert relay.stdout is not None
        relay.stdout.readline()  # "relaying to ... from position ..."
        time.sleep(rng.uniform(0.0, 0.4))
        relay.send_signal(signal.SIGKILL)
        relay.wait(10)
        outcomes.append(
            (before, relay_status(settings).position, service.recorder.max_notification_id())
        )
    print("per trial (position before, after the kill, head):", outcomes)

    done = subprocess.run(
        [BOLASHAK, "relay", "--once"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr

    stored = stored_versions(service)
    total = sum(len(v) for v in stored.values())
    records = read_topic(broker.bootstrap, settings.kafka.topic, at_least=total, timeout=60)
    assert first_seen_versions(records) == stored  # none missing, each case in order
    ids = [r.event_id for r in records]
    assert all(r.event_id == f"{r.application_id}:{r.version}" for r in records)
    print(f"{total} events, {len(ids) - len(set(ids))} re-sent after kills")


def test_example_consumer_fed_duplicates_counts_each_case_once(
    fresh_postgres: Settings, broker: Tansu, service: CaseService
) -> None:
    settings = with_broker(fresh_postgres, broker.bootstrap)
    simulate_campaign(service, 40, seed=7, today=TODAY)
    relay = build_relay(settings)
    total = relay.run_until_head()
    relay_tracking.reset(relay.db, relay.name, total // 2)  # an operator's republish
    resent = relay.run_until_head()
    relay.close()
    garbage = KafkaProducer(bootstrap_servers=broker.bootstrap)
    garbage.send(settings.kafka.topic, key=b"x", value=b"not an event")
    garbage.flush()
    garbage.close()

    consumer = build_consumer(settings, new_kafka_consumer(settings, **GROUP_TIMINGS))
    tally = consumer.run(lambda: read_to_the_end(consumer.consumer), idle_exit=IDLE_EXIT_SECONDS)
    by_case = consumer.cases()
    counts = consumer.by_status()
    consumer.close()

    assert tally.applied == total
    assert tally.duplicates == resent
    assert tally.rejected == 1
    engine = build_projection_engine(settings)
    engine.run_until_head()
    rows = engine.db.query("SELECT application_id, stage, status FROM case_list")
    engine.db.close()
    assert {str(case): stage for case, stage, _ in rows} == {
        case: stage for case, (stage, _) in by_case.items()
    }
    assert counts == Counter(status for _, _, status in rows)


def test_example_consumer_restarted_after_a_crash_drops_what_it_had_applied(
    fresh_postgres: Settings, broker: Tansu, service: CaseService
) -> None:
    """Applied but not committed (a crash between the two): the next consumer in the group
    gets the messages again and drops each by its event id."""
    settings = with_broker(fresh_postgres, broker.bootstrap)
    simulate_campaign(service, 10, seed=11, today=TODAY)
    relay = build_relay(settings)
    total = relay.run_until_head()
    relay.close()

    crashed = build_consumer(settings, new_kafka_consumer(settings, **GROUP_TIMINGS))
    applied = 0
    deadline = time.monotonic() + 30
    while applied < total and time.monotonic() < deadline:
        batches = crashed.consumer.poll(timeout_ms=500)
        records = [r for rs in batches.values() for r in rs]
        applied += crashed.handle(records).applied  # no commit: the crash comes first
    crashed.consumer.close(autocommit=False)
    crashed.db.close()
    assert applied == total

    again = build_consumer(settings, new_kafka_consumer(settings, **GROUP_TIMINGS))
    tally = again.run(lambda: read_to_the_end(again.consumer), idle_exit=IDLE_EXIT_SECONDS)
    assert tally.applied == 0
    assert tally.duplicates == total
    assert len(again.cases()) == 10
    again.close()
