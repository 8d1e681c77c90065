"""eGov submissions as the portal sends them (CloudEvents, structured or binary mode), the
settings of an intake worker on a test broker, workers to run in the test, and reading
its dead-letter topic."""

from __future__ import annotations

import contextlib
import random
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import msgspec
import orjson
from kafka import KafkaProducer

from domain.clock import FixedClock
from domain.commands import SubmitApplication
from infra.container import build_intake
from infra.intake.message import SPEC_VERSION, SUBMITTED_TYPE
from infra.intake.worker import IntakeWorker, Tally, new_intake_consumer
from infra.relay import broker
from infra.settings import Kafka, Settings
from infra.simulation.people import synthetic_applicant
from infra.simulation.profiles import synthetic_background, synthetic_plan
from tests.support.dates import FAR_FUTURE
from tests.support.graphql_client import CLOSING_DAY
from tests.support.kafka import GROUP_TIMINGS, Received, kafka_env, read_to_the_end, read_topic

SOURCE = "/kz/egov/services/bolashak"


@dataclass(frozen=True)
class Message:
    """A Kafka record to send: value, headers, key."""

    value: bytes
    headers: list[tuple[str, bytes]]
    key: bytes | None = None


def package(number: int) -> SubmitApplication:
    """A synthetic, valid submission (different for each number)."""
    rng = random.Random(number)
    plan = synthetic_plan(rng)
    return SubmitApplication(synthetic_applicant(rng), plan, synthetic_background(rng, plan))


def data_of(submission: SubmitApplication) -> dict[str, Any]:
    """``data``: the submission as JSON, snake_case keys (the published schema's)."""
    found: dict[str, Any] = orjson.loads(msgspec.json.encode(submission))
    return found


def structured(
    message_id: str,
    data: Any,
    *,
    on: date = CLOSING_DAY,
    extra: dict[str, Any] | None = None,
) -> Message:
    event = {
        "specversion": SPEC_VERSION,
        "id": message_id,
        "source": SOURCE,
        "type": SUBMITTED_TYPE,
        "time": f"{on.isoformat()}T12:00:00+05:00",
        "datacontenttype": "application/json",
        "data": data,
        **(extra or {}),
    }
    headers = [("content-type", b"application/cloudevents+json")]
    return Message(orjson.dumps(event), headers, message_id.encode())


def binary(message_id: str, data: Any, *, on: date = CLOSING_DAY) -> Message:
    headers = [
        ("ce_specversion", SPEC_VERSION.encode()),
        ("ce_id", message_id.encode()),
        ("ce_source", SOURCE.encode()),
        ("ce_type", SUBMITTED_TYPE.encode()),
        ("ce_time", f"{on.isoformat()}T12:00:00+05:00".encode()),
        ("content-type", b"application/json"),
    ]
    return Message(orjson.dumps(data), headers, message_id.encode())


def with_intake(settings: Settings, bootstrap: str) -> Settings:
    """The store's settings, the intake on fresh topics and group of the test broker."""
    run = secrets.token_hex(4)
    kafka = Kafka(
        bootstrap_servers=(bootstrap,),
        topic=f"cases-{run}",
        intake_topic=f"intake-{run}",
        intake_dead_letter_topic=f"intake-{run}-dead",
        intake_group=f"intake-group-{run}",
        partitions=3,
        delivery_timeout_ms=5000,
        session_timeout_ms=GROUP_TIMINGS["session_timeout_ms"],
        heartbeat_interval_ms=GROUP_TIMINGS["heartbeat_interval_ms"],
    )
    return settings.model_copy(update={"kafka": kafka})


def intake_env(settings: Settings) -> dict[str, str]:
    """The intake's broker settings as ``bolashak intake`` reads them from its environment."""
    kafka = settings.kafka
    return {
        **kafka_env(settings),
        "BOLASHAK_KAFKA_INTAKE_TOPIC": kafka.intake_topic,
        "BOLASHAK_KAFKA_INTAKE_DEAD_LETTER_TOPIC": kafka.intake_dead_letter_topic,
        "BOLASHAK_KAFKA_INTAKE_GROUP": kafka.intake_group,
        "BOLASHAK_KAFKA_SESSION_TIMEOUT_MS": str(kafka.session_timeout_ms),
        "BOLASHAK_KAFKA_HEARTBEAT_INTERVAL_MS": str(kafka.heartbeat_interval_ms),
    }


def send(kafka: Kafka, messages: list[Message]) -> None:
    """Sends the messages to the intake topic (created first, with the kafka's partitions)."""
    broker.ensure_topics(kafka, [kafka.intake_topic, kafka.intake_dead_letter_topic])
    producer = KafkaProducer(**broker.producer_config(kafka))
    try:
        for m in messages:
            producer.send(kafka.intake_topic, key=m.key, value=m.value, headers=m.headers)
        producer.flush()
    finally:
        producer.close()


def dead_letters(kafka: Kafka, at_least: int, timeout: float = 20.0) -> list[Received]:
    """The dead-letter topic's records (their values are the original messages)."""
    bootstrap = kafka.require_servers()[0]
    return read_topic(bootstrap, kafka.intake_dead_letter_topic, at_least=at_least, timeout=timeout)


IDLE_EXIT = 2.0  # seconds without a message, once the partitions are assigned
Workers = Callable[..., IntakeWorker]


@contextmanager
def intake_workers() -> Iterator[Workers]:
    """Makes intake workers (closed at the end), in the settings' group or another."""
    made: list[IntakeWorker] = []

    def make(settings: Settings, group: str | None = None, consumer: Any = None) -> IntakeWorker:
        kafka = settings.kafka
        if consumer is None:
            overrides = {"max_poll_interval_ms": GROUP_TIMINGS["max_poll_interval_ms"]}
            consumer = new_intake_consumer(kafka, group_id=group or kafka.intake_group, **overrides)
        made.append(build_intake(settings, FixedClock(FAR_FUTURE), consumer=consumer))
        return made[-1]

    yield make
    for worker in made:
        with contextlib.suppress(Exception):  # closed by the test already
            worker.close()


def consume(worker: IntakeWorker) -> Tally:
    """Runs the worker until it has handled every message of its topic, all sent before it
    started (``IDLE_EXIT`` seconds without one, at the latest)."""
    return worker.run(lambda: read_to_the_end(worker.consumer), idle_exit=IDLE_EXIT)


def consume_until_idle(worker: IntakeWorker) -> Tally:
    """Runs the worker until ``IDLE_EXIT`` seconds pass without a message: its rounds
    without one included."""
    return worker.run(lambda: False, idle_exit=IDLE_EXIT)
