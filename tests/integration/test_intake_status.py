"""What an operator reads of the eGov intake (issue 23, section 3), against a real
Kafka-protocol broker (tansu): the admins' ``systemStatus`` shows its last round, its place
on each partition of its topic (messages waiting) and its dead letters, and ``bolashak
health --worker intake`` answers from the rounds the worker records."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pytest
from prometheus_client import REGISTRY

from domain.case.meta import Role
from infra.container import view_database
from infra.intake.worker import IntakeWorker
from infra.settings import Settings
from tests.integration.test_worker_health import assert_unhealthy, health_here
from tests.support.api import api_for
from tests.support.broker import Tansu
from tests.support.intake import (
    IDLE_EXIT,
    Message,
    Workers,
    consume,
    consume_until_idle,
    data_of,
    intake_workers,
    package,
    send,
    structured,
    with_intake,
)

JOIN_SECONDS = 30.0
INTAKE_STATUS = """query S { systemStatus { ... on SystemStatus { intake {
  lastRound { name ok outcome } lag deadLetters
  partitions { topic partition position endOffset lag readAt } } } } }"""


@pytest.fixture
def workers() -> Iterator[Workers]:
    with intake_workers() as make:
        yield make


def intake_status(settings: Settings) -> dict[str, Any]:
    with api_for(settings) as api:
        found: dict[str, Any] = api.data(INTAKE_STATUS, role=Role.ADMIN)["systemStatus"]["intake"]
    return found


def one_handled_two_waiting(settings: Settings, workers: Workers) -> IntakeWorker:
    """A worker that took one of three messages (a submission, the same again, one not
    JSON) and recorded its round with the other two waiting."""
    first = structured(f"egov-{settings.kafka.intake_group}-1", data_of(package(1)))
    poison = Message(b"not json at all", [], first.key)  # one partition: its end is known
    send(settings.kafka, [first, first, poison])
    worker = workers(settings)
    deadline = time.monotonic() + JOIN_SECONDS
    while not worker.poll_once(max_records=1).handled:
        assert time.monotonic() < deadline, "the worker never got its partitions"
    worker.run(lambda: True)  # stops at once, recording its round
    return worker


def test_system_status_shows_the_intakes_round_the_messages_waiting_and_its_dead_letters(
    fresh_store: Settings, broker: Tansu, workers: Workers
) -> None:
    settings = with_intake(fresh_store, broker.bootstrap)
    worker = one_handled_two_waiting(settings, workers)

    waiting = intake_status(settings)

    assert waiting["lastRound"]["name"] == "intake"
    assert waiting["lag"] == 2
    consume(worker)
    done = intake_status(settings)
    assert done["lastRound"] == {
        "name": "intake",
        "ok": True,
        "outcome": "submitted 1, replayed 1, dead letters 1",
    }
    assert (done["lag"], done["deadLetters"]) == (0, 1)
    partitions = done["partitions"]
    assert [p["partition"] for p in partitions] == [0, 1, 2]
    assert {p["topic"] for p in partitions} == {settings.kafka.intake_topic}
    assert sum(p["endOffset"] for p in partitions) == 3
    assert all(p["position"] == p["endOffset"] and p["lag"] == 0 for p in partitions)


def test_the_metrics_show_the_messages_waiting_and_when_the_last_round_ended(
    sqlite_settings: Settings, broker: Tansu, workers: Workers
) -> None:
    settings = with_intake(sqlite_settings, broker.bootstrap)
    labels = {"topic": settings.kafka.intake_topic}
    worker = one_handled_two_waiting(settings, workers)

    waiting = REGISTRY.get_sample_value("bolashak_intake_lag_messages", labels)

    assert waiting == 2
    before = time.time()
    consume_until_idle(worker)  # the two others, then rounds without a message for IDLE_EXIT s
    assert REGISTRY.get_sample_value("bolashak_intake_lag_messages", labels) == 0
    last_round = REGISTRY.get_sample_value("bolashak_intake_last_round_timestamp_seconds", labels)
    assert (last_round or 0) >= before + IDLE_EXIT


def test_health_answers_from_the_round_the_intake_worker_recorded(
    sqlite_settings: Settings, broker: Tansu, workers: Workers
) -> None:
    settings = with_intake(sqlite_settings, broker.bootstrap)
    assert_unhealthy(health_here(settings, "--worker", "intake"), "no round recorded yet")
    consume(workers(settings))  # nothing to take: a round all the same

    fresh = health_here(settings, "--worker", "intake")

    assert (fresh.returncode, fresh.stdout.strip()) == (0, "intake: healthy")
    with closing(view_database(settings)) as db:
        db.query("UPDATE worker_runs SET finished_at = '2020-01-01T00:00:00+00:00'")
    assert_unhealthy(health_here(settings, "--worker", "intake"), "intake: last round")
