"""What the consumers of Kafka topics share (the example consumer, ``infra/example_consumer.py``;
the eGov intake, ``infra/intake/worker.py``): a group member committing by hand, and when
its loop may end for want of messages. kafka-python is imported only when a consumer is
made (it takes a noticeable time to import)."""

from __future__ import annotations

import time
from typing import Any

from infra.settings import Kafka


def manual_commit_consumer(kafka: Kafka, group: str, topic: str, **overrides: Any) -> Any:
    """A consumer in ``group`` subscribed to ``topic``, committing by hand, reading from
    the start (the example consumer's, the eGov intake's)."""
    from kafka import KafkaConsumer

    options: dict[str, Any] = {
        "bootstrap_servers": kafka.require_servers(),
        "group_id": group,
        "client_id": f"{group}-client",
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "fetch_max_wait_ms": 100,  # tansu returns nothing with 0 (shared/FIELD-NOTES.md)
        "session_timeout_ms": kafka.session_timeout_ms,
        "heartbeat_interval_ms": kafka.heartbeat_interval_ms,
        **overrides,
    }
    consumer = KafkaConsumer(**options)
    consumer.subscribe([topic])
    return consumer


class IdleExit:
    """When a consumer's loop may end for want of messages: ``seconds`` without one once
    the group gave it its partitions (None: never)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._since: float | None = None

    def reached(self, *, handled: bool, assigned: bool) -> bool:
        if handled or not assigned:  # busy, or still joining the group: not idle
            self._since = None
            return False
        self._since = self._since or time.monotonic()
        return self.seconds is not None and time.monotonic() - self._since >= self.seconds
