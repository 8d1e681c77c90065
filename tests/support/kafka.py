"""Reading a topic back, and settings that point the relay at a test broker."""

from __future__ import annotations

import secrets
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import orjson
from kafka import KafkaConsumer, TopicPartition

from infra.case_store import CaseService
from infra.container import build_relay
from infra.intake import positions
from infra.relay.relay import RelayStatus
from infra.settings import Kafka, Settings

# Consumer groups on tansu join after about session_timeout_ms / 2, rounded up to a whole
# second (shared/FIELD-NOTES.md; measured on tansu 0.6: 6000 -> 3.1 s, 3000 -> 2.0 s,
# 2000 -> 1.1 s, 1000 -> 1.1 s). The team's guide fixes the tests' timings at these: a
# shorter session would save about 2 s per join, but on a loaded 2-core CI machine a
# member whose heartbeats are held up for 2 s would be dropped and its group rebalanced.
GROUP_TIMINGS = {
    "session_timeout_ms": 6000,
    "heartbeat_interval_ms": 500,
    "max_poll_interval_ms": 5000,
}


@dataclass(frozen=True)
class Received:
    topic: str
    partition: int
    offset: int
    key: bytes
    value: dict[str, Any]
    raw_value: bytes
    headers: dict[str, bytes]

    @property
    def event_id(self) -> str:
        return self.headers["ce_id"].decode()

    @property
    def application_id(self) -> str:
        """The case's id, or a quota ledger's (its messages share the topic)."""
        return str(self.value.get("application_id") or self.value["ledger_id"])

    @property
    def version(self) -> int:
        return int(self.value["version"])


def read_to_the_end(consumer: Any) -> bool:
    """True once ``consumer`` holds partitions and stands at the end of each, as its own
    fetches know them (its position at the partition's high watermark): the stop of a
    consumer's loop over a topic whose messages were all sent before it started. Without
    it the loop ran on for its idle exit's seconds, waiting for nothing."""
    assigned = consumer.assignment()
    found = positions.of_consumer(consumer)
    return bool(assigned) and len(found) == len(assigned) and positions.total_lag(found) == 0


def stored_versions(service: CaseService) -> dict[str, list[int]]:
    """application id -> versions, as the event store holds them, in log order."""
    found: dict[str, list[int]] = {}
    for n in service.recorder.select_notifications(start=1, limit=1_000_000):
        found.setdefault(str(n.originator_id), []).append(n.originator_version)
    return found


def relay_status(settings: Settings) -> RelayStatus:
    """The relay's position and lag as ``bolashak relay status`` reads them."""
    relay = build_relay(settings)
    try:
        return relay.status()
    finally:
        relay.close()


def with_broker(settings: Settings, bootstrap: str, *, pii_topic: bool = False) -> Settings:
    """The store's settings, publishing to fresh topics on the test broker."""
    topic = f"cases-{secrets.token_hex(4)}"
    kafka = Kafka(
        bootstrap_servers=(bootstrap,),
        topic=topic,
        pii_topic=f"{topic}-pii" if pii_topic else "",
        partitions=3,
        delivery_timeout_ms=5000,
        consumer_group=f"group-{secrets.token_hex(4)}",
        session_timeout_ms=GROUP_TIMINGS["session_timeout_ms"],
        heartbeat_interval_ms=GROUP_TIMINGS["heartbeat_interval_ms"],
    )
    return settings.model_copy(update={"kafka": kafka})


def kafka_env(settings: Settings) -> dict[str, str]:
    """The broker settings as a relay process reads them from its environment."""
    return {
        "BOLASHAK_KAFKA_BOOTSTRAP_SERVERS": ",".join(settings.kafka.bootstrap_servers),
        "BOLASHAK_KAFKA_TOPIC": settings.kafka.topic,
        "BOLASHAK_KAFKA_PARTITIONS": str(settings.kafka.partitions),
        "BOLASHAK_KAFKA_DELIVERY_TIMEOUT_MS": str(settings.kafka.delivery_timeout_ms),
    }


def read_topic(
    bootstrap: str, topic: str, *, at_least: int, timeout: float = 30.0
) -> list[Received]:
    """Every record on the topic from the start, once ``at_least`` arrived and the
    consumer has read to the end of every partition (or at the deadline): tansu's end
    offsets are unreliable, so count, and take each partition's end from the fetches."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=100
    )
    try:
        deadline = time.monotonic() + timeout
        partitions = consumer.partitions_for_topic(topic)
        while not partitions and time.monotonic() < deadline:
            time.sleep(0.2)
            consumer.topics()  # refresh metadata
            partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            return []
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        found: list[Received] = []
        quiet_until = None
        while time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=300)
            for records in batch.values():
                found.extend(_received(r) for r in records)
            if len(found) >= at_least:
                if read_to_the_end(consumer):  # duplicates sent before are read too
                    break
                # where a partition's end is not known yet: anything more (duplicates)
                # arrives within a short quiet period (every call waited it out before)
                quiet_until = quiet_until or time.monotonic() + 1.0
                if not batch and time.monotonic() >= quiet_until:
                    break
        return found
    finally:
        consumer.close()


def _received(record: Any) -> Received:
    try:
        value = orjson.loads(record.value or b"")
    except orjson.JSONDecodeError:  # a dead letter may be anything (tests/support/intake.py)
        value = {}
    return Received(
        record.topic,
        record.partition,
        record.offset,
        record.key,
        value if isinstance(value, dict) else {},
        record.value,
        dict(record.headers),
    )


def by_case(records: list[Received]) -> dict[str, list[Received]]:
    """Records per application id, in the order of their partition (the case's order)."""
    found: dict[str, list[Received]] = defaultdict(list)
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        found[r.application_id].append(r)
    return found


def first_seen_versions(records: list[Received]) -> dict[str, list[int]]:
    """Per case, the versions in partition order with re-sent duplicates dropped."""
    found: dict[str, list[int]] = {}
    for case, mine in by_case(records).items():
        seen: list[int] = []
        for r in mine:
            if r.version not in seen:
                seen.append(r.version)
        found[case] = seen
    return found
