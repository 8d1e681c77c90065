"""The Kafka relay (issue 5): events/s from the event store to a local broker, against a
plain kafka-python producer sending the same messages with the same settings in the same
run. Target: at least 5,000 events/s and at least 50% of the plain producer.

The two take turns, round by round, and the figure is the median of the rounds' ratios
(as the GraphQL benchmark reports its own), so that a slow moment of the machine or the
broker weighs on the one round it fell in, not on the best of one side against the best
of the other; the relay's events/s is the plain producer's median times that ratio."""

from __future__ import annotations

import gc
import tempfile
import time
from pathlib import Path

from kafka import KafkaProducer

from bench.harness import Report, of_rounds
from infra.container import build_relay
from infra.relay import broker
from infra.relay.messages import Message
from infra.relay.relay import Relay
from infra.settings import Kafka, Settings
from tests.support.broker import Tansu

RELAY_FLOOR = 5_000
RELAY_RATIO = 0.5
ROUNDS = 5


def all_messages(relay: Relay) -> list[Message]:
    """Every message the relay would send, built as it builds them."""
    found: list[Message] = []
    position = 0
    while notifications := relay.db.read_log(position, 10_000):
        built, _ = relay._build(notifications)
        found.extend(m for _, messages in built for m in messages)
        position = notifications[-1].id
    return found


def plain_producer_rate(kafka: Kafka, messages: list[Message], topic: str) -> float:
    broker.ensure_topics(kafka.model_copy(update={"topic": topic}))
    producer = KafkaProducer(**broker.producer_config(kafka))
    started = time.perf_counter()
    for m in messages:
        producer.send(topic, key=m.key, value=m.value, headers=m.headers)
    producer.flush()
    seconds = time.perf_counter() - started
    producer.close()
    return len(messages) / seconds


def relay_rate(settings: Settings, topic: str) -> float:
    relay = build_relay(
        settings.model_copy(update={"kafka": settings.kafka.model_copy(update={"topic": topic})})
    )
    started = time.perf_counter()
    sent = relay.run_until_head()
    seconds = time.perf_counter() - started
    relay.close()
    return sent / seconds


def measure_relay(settings: Settings, report: Report, size: int, rounds: int = ROUNDS) -> None:
    with tempfile.TemporaryDirectory() as logs:
        tansu = Tansu(Path(logs)).start()
        try:
            kafka = Kafka(
                bootstrap_servers=(tansu.bootstrap,), partitions=6, delivery_timeout_ms=120_000
            )
            settings = settings.model_copy(update={"kafka": kafka})
            probe = build_relay(settings)
            messages = all_messages(probe)
            probe.close()
            # the plain producer's messages (about a million objects) are the benchmark's,
            # not the relay's: kept out of the collector's passes while either one runs
            gc.freeze()
            plain, relayed = [], []
            for round_ in range(rounds):  # taking turns, so a slow moment hits both alike
                plain.append(plain_producer_rate(kafka, messages, f"bench-plain-{round_}"))
                relayed.append(relay_rate(settings, f"bench-relay-{round_}"))
        finally:
            gc.unfreeze()
            tansu.stop()
    line, by_round = of_rounds(
        f"relay_throughput@{size}",
        "events/s",
        relayed,
        "plain_kafka_python_producer",
        plain,
        RELAY_RATIO,
        floor=RELAY_FLOOR,
    )
    report.add(line)
    print(f"  relay / plain producer, round by round: {by_round}", flush=True)
