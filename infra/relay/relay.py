"""Follows the event store's notification log and publishes every event to Kafka.

No dual writes: the command service only writes the event store; this relay reads the
store's ordered log from its recorded position, sends each event (key: the application id,
so a case's events keep their order on one partition), waits for the broker to acknowledge
all of them, and only then records the new position. A crash re-sends at most the
unacknowledged tail, with the same message ids. On any broker failure (down, timed out, a
fatal producer error such as a forgotten idempotent producer id) the producer is thrown
away and a new one resends from the last recorded position: nothing is ever skipped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from domain.case.events import CaseEvent
from domain.service import CaseEvents
from infra.relay import broker
from infra.relay import tracking as relay_tracking
from infra.relay.messages import Message, messages_for
from infra.settings import Kafka, Settings
from projections.engine import LogWaiter
from projections.sql import ViewDatabase
from projections.tracking import TrackingConflictError

log = logging.getLogger(__name__)


class Producer(Protocol):
    def send(
        self, topic: str, *, key: bytes, value: bytes, headers: list[tuple[str, bytes]]
    ) -> Any: ...

    def flush(self, timeout: float | None = None) -> None: ...

    def close(self, timeout: float | None = None) -> None: ...


class BrokerError(Exception):
    """The broker did not acknowledge everything sent; the relay retries from its position."""


class UndecodableEventError(Exception):
    """A stored event does not decode: the relay stops there rather than skip it."""


@dataclass(frozen=True)
class RelayStatus:
    topic: str
    position: int
    head: int
    updated_at: str
    last_error: str
    last_error_at: str

    @property
    def lag(self) -> int:
        return max(0, self.head - self.position)


class Relay:
    def __init__(
        self,
        settings: Settings,
        *,
        page_size: int = 1000,
        producer_factory: Callable[[Kafka], Producer] | None = None,
    ) -> None:
        self.kafka = settings.kafka
        self.reader = CaseEvents(settings.eventsourcing_env(create_table=False))
        self.db = ViewDatabase(settings, self.reader.events_table())
        self.page_size = page_size
        self.name = f"relay:{self.kafka.topic}"
        self._new_producer = producer_factory or broker.new_producer
        self._producer: Producer | None = None
        self._topics_ready = False
        self.listen_dsn = settings.database.dsn() if settings.database.kind == "postgres" else None
        self.sent = 0  # messages acknowledged by this process
        with self.db.transaction() as cur:
            relay_tracking.ensure(cur, self.name)

    # -- one page ------------------------------------------------------------------------

    def run_once(self) -> int:
        """Publishes the next page of the log; returns how many events it published.

        Raises ``BrokerError`` when the broker did not acknowledge everything: the
        position then stands after the last event acknowledged in order.
        """
        position = relay_tracking.read(self.db, self.name).position
        notifications = self.db.read_log(position, self.page_size)
        if not notifications:
            return 0
        pages: list[tuple[int, list[Message]]] = []
        for n in notifications:
            try:
                event: CaseEvent = self.reader.mapper.to_domain_event(n)  # type: ignore[assignment]
            except Exception as e:
                if pages:
                    break  # publish what decodes; stop in front of this one next time
                raise UndecodableEventError(
                    f"event at position {n.id} ({n.originator_id} v{n.originator_version})"
                    f" does not decode: {type(e).__name__}: {e}"
                ) from e
            pages.append((n.id, self._messages(event, n.id)))
        acknowledged, error = self._send(pages)
        if acknowledged > position:
            try:
                relay_tracking.advance(self.db, self.name, position, acknowledged)
            except TrackingConflictError as e:
                log.info("position moved by another relay: %s", e)
                return 0
        if error is not None:
            self._discard_producer()
            raise BrokerError(error)
        return len(pages)

    def _messages(self, event: CaseEvent, position: int) -> list[Message]:
        kafka = self.kafka
        return messages_for(
            event, position, topic=kafka.topic, pii_topic=kafka.pii_topic, source=kafka.source
        )

    def _send(self, pages: list[tuple[int, list[Message]]]) -> tuple[int, str | None]:
        """Sends every message; returns the last position acknowledged in full, in order,
        and the first error."""
        try:
            producer = self._ready_producer()
            futures = [
                (position, producer.send(m.topic, key=m.key, value=m.value, headers=m.headers))
                for position, messages in pages
                for m in messages
            ]
            producer.flush(timeout=self.kafka.delivery_timeout_ms / 1000 + 5)
        except Exception as e:  # cannot connect, buffer full while down, flush timed out
            return 0, f"{type(e).__name__}: {e}"
        acknowledged = 0
        for position, future in futures:
            if not future.is_done or future.failed():
                cause = future.exception if future.is_done else "not acknowledged in time"
                return acknowledged, f"{type(cause).__name__}: {cause}"
            acknowledged = position
        self.sent += len(futures)
        return acknowledged, None

    def _ready_producer(self) -> Producer:
        if not self._topics_ready:
            created = broker.ensure_topics(self.kafka)
            if created:
                log.info("created topics %s", ", ".join(created))
            self._topics_ready = True
        if self._producer is None:
            self._producer = self._new_producer(self.kafka)
        return self._producer

    def _discard_producer(self) -> None:
        producer, self._producer = self._producer, None
        self._topics_ready = False  # a broker that lost its data lost its topics too
        if producer is not None:
            try:
                producer.close(timeout=0)
            except Exception:  # closing a broken producer must not stop the relay
                log.debug("closing the old producer failed", exc_info=True)

    # -- the loop ------------------------------------------------------------------------

    def follow(
        self, stop: threading.Event, idle_wait: float = 0.5, report_every: float = 10.0
    ) -> None:
        """Publishes until ``stop`` is set; waits out broker and database outages."""
        waiter = LogWaiter(self.listen_dsn, self.db.events_table.replace(".", "_"))
        backoff = 0.5
        last_report = time.monotonic()
        while not stop.is_set():
            try:
                published = self.run_once()
                backoff = 0.5
            except Exception as e:
                self._note_failure(e, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if time.monotonic() - last_report >= report_every:
                last_report = time.monotonic()
                status = self.status()
                log.info("relay at %s of %s (lag %s)", status.position, status.head, status.lag)
            if published == 0:
                waiter.wait(stop, idle_wait)
        waiter.close()
        self.close()

    def _note_failure(self, error: Exception, backoff: float) -> None:
        try:
            relay_tracking.record_error(self.db, self.name, f"{type(error).__name__}: {error}")
            lag = self.status().lag
        except Exception:
            lag = -1
        log.warning(
            "relay: %s: %s; %s events waiting; retrying in %.1fs",
            type(error).__name__,
            error,
            lag if lag >= 0 else "unknown",
            backoff,
        )

    def run_until_head(self) -> int:
        """Publishes up to the log's current head (raises on a broker failure)."""
        done = 0
        while True:
            published = self.run_once()
            done += published
            if published == 0:
                return done

    # -- status --------------------------------------------------------------------------

    def status(self) -> RelayStatus:
        found = relay_tracking.read(self.db, self.name)
        return RelayStatus(
            self.kafka.topic,
            found.position,
            self.db.log_head(),
            found.updated_at,
            found.last_error,
            found.last_error_at,
        )

    def close(self) -> None:
        if self._producer is not None:
            try:
                self._producer.flush(timeout=5)
            except Exception:
                log.debug("final flush failed", exc_info=True)
        self._discard_producer()
        self.db.close()
