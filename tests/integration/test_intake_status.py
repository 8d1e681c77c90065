"""What an operator reads of the eGov intake (issue 23, section 3), against a real
Kafka-protocol broker (tansu): its metrics show the messages waiting and when its last
round ended."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY

from infra.intake.worker import IntakeWorker
from infra.settings import Settings
from tests.support.broker import Tansu
from tests.support.intake import (
    IDLE_EXIT,
    Message,
    Workers,
    consume,
    data_of,
    intake_workers,
    package,
    send,
    structured,
    with_intake,
)

JOIN_SECONDS = 30.0


@pytest.fixture
def workers() -> Iterator[Workers]:
    with intake_workers() as make:
        yield make


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


def test_the_metrics_show_the_messages_waiting_and_when_the_last_round_ended(
    sqlite_settings: Settings, broker: Tansu, workers: Workers
) -> None:
    settings = with_intake(sqlite_settings, broker.bootstrap)
    labels = {"topic": settings.kafka.intake_topic}
    worker = one_handled_two_waiting(settings, workers)

    waiting = REGISTRY.get_sample_value("bolashak_intake_lag_messages", labels)

    assert waiting == 2
    before = time.time()
    consume(worker)  # the two others, then rounds without a message for IDLE_EXIT seconds
    assert REGISTRY.get_sample_value("bolashak_intake_lag_messages", labels) == 0
    last_round = REGISTRY.get_sample_value("bolashak_intake_last_round_timestamp_seconds", labels)
    assert (last_round or 0) >= before + IDLE_EXIT
