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

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from eventsourcing.persistence import Notification

from domain.case.events import CaseEvent
from domain.quota.events import LedgerEvent
from infra.case_store import CaseEvents
from infra.log_follower import LogWaiter, follow_log
from infra.observability import metrics
from infra.relay import broker
from infra.relay import tracking as relay_tracking
from infra.relay.messages import Message, messages_for
from infra.settings import Kafka
from projections.sql import ViewDatabase
from projections.tracking import TrackingConflictError

log = logging.getLogger(__name__)


class Producer(Protocol):
    def send(
        self, topic: str, *, key: bytes, value: bytes, headers: list[tuple[str, bytes]]
    ) -> Any: ...

    def flush(self, timeout: float | None = None) -> None: ...

    def close(self, timeout: float | None = None) -> None: ...


PAGES_IN_FLIGHT = 3
# Pages the follower publishes between looks at its stop flag and its report: a backlog
# (after an outage, or a relay started late) is caught up with pages in flight, as
# ``run_until_head`` does, and a stop still takes effect within a few seconds.
FOLLOW_PAGES = 10
_Built = tuple[int, list[Message]]  # a notification's position and its messages


@dataclass
class _Page:
    """Messages sent and not yet settled: (position, future) in log order."""

    futures: list[tuple[int, Any]]
    events: int

    def settle(self, timeout: float) -> tuple[int, str | None]:
        """Waits for the broker; returns the last position acknowledged in full, in order
        (0 if none), and the first error."""
        deadline = time.monotonic() + timeout
        acknowledged = 0
        for position, future in self.futures:
            if not future.is_done:
                with contextlib.suppress(Exception):  # looked at below
                    future.get(timeout=max(0.0, deadline - time.monotonic()))
            if not future.is_done:
                return acknowledged, "not acknowledged in time"
            if future.failed():
                cause = future.exception
                return acknowledged, f"{type(cause).__name__}: {cause}"
            acknowledged = position
        return acknowledged, None


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
        kafka: Kafka,
        reader: CaseEvents,
        db: ViewDatabase,
        *,
        listen_dsn: str | None = None,
        page_size: int = 1000,
        producer_factory: Callable[[Kafka], Producer] | None = None,
    ) -> None:
        """Built by the composition root (``infra.container.build_relay``): ``reader`` and
        ``db`` read the log, ``db`` keeps the position; ``listen_dsn`` is where the store
        notifies new events (None: poll)."""
        self.kafka = kafka
        self.reader = reader
        # identities go to the restricted topic only: without one, none is opened (no key
        # is loaded, and a submission decodes in about half the time)
        self.reader.mapper.opens_personal_data = bool(self.kafka.pii_topic)  # type: ignore[attr-defined]
        self.db = db
        self.page_size = page_size
        self.name = relay_tracking.name_for(self.kafka.topic)
        self._new_producer = producer_factory or broker.new_producer
        self._producer: Producer | None = None
        self._topics_ready = False
        self.listen_dsn = listen_dsn
        self._published = metrics.RELAY_PUBLISHED.labels(self.kafka.topic)
        self._errors = metrics.RELAY_ERRORS.labels(self.kafka.topic)
        with self.db.transaction() as cur:
            relay_tracking.ensure(cur, self.name)

    # -- publishing ----------------------------------------------------------------------

    def run_once(self) -> int:
        """Publishes the next page of the log; returns how many events it published.

        Raises ``BrokerError`` when the broker did not acknowledge everything: the
        position then stands after the last event acknowledged in order.
        """
        return self._publish(max_pages=1)

    def run_until_head(self) -> int:
        """Publishes up to the log's head (raises ``BrokerError`` on a broker failure)."""
        return self._publish(max_pages=None)

    def _publish(self, max_pages: int | None) -> int:
        """Reads, sends and settles pages, up to ``PAGES_IN_FLIGHT`` of them at once, so
        that the broker takes one page while the next is read and encoded. Pages settle
        in log order; the position moves over each page acknowledged in full."""
        recorded = cursor = relay_tracking.read(self.db, self.name).position
        in_flight: deque[_Page] = deque()
        published = pages = 0
        reading = True
        halt: Exception | None = None  # why reading stopped early
        while reading or in_flight:
            if reading:
                built, halt = self._build(self.db.read_log(cursor, self.page_size))
                if built:
                    try:
                        in_flight.append(self._send(built))
                    except Exception as e:  # cannot connect; buffer full while it is down
                        halt = BrokerError(f"{type(e).__name__}: {e}")
                    cursor = built[-1][0]
                    pages += 1
                reading = bool(built) and halt is None and pages != max_pages
            while in_flight and (not reading or len(in_flight) >= PAGES_IN_FLIGHT):
                page = in_flight.popleft()
                acknowledged, error = page.settle(self.kafka.delivery_timeout_ms / 1000 + 5)
                if acknowledged > recorded:
                    if not self._advance(recorded, acknowledged):
                        return published
                    recorded = acknowledged
                if error is not None:
                    halt = BrokerError(error)
                    in_flight.clear()
                    break
                published += page.events
                self._published.inc(page.events)
                log.debug("relay batch", extra={"events": page.events, "position": recorded})
        if isinstance(halt, BrokerError):
            self._discard_producer()
            raise halt
        if halt is not None and published == 0:
            raise halt  # an event that does not decode stands at the front
        return published

    def _build(self, notifications: list[Notification]) -> tuple[list[_Built], Exception | None]:
        """Messages for each notification, up to the first that does not decode."""
        built: list[_Built] = []
        for n in notifications:
            try:
                event: CaseEvent | LedgerEvent = self.reader.mapper.to_domain_event(n)  # type: ignore[assignment]
            except Exception as e:
                return built, UndecodableEventError(
                    f"event at position {n.id} ({n.originator_id} v{n.originator_version})"
                    f" does not decode: {type(e).__name__}: {e}"
                )
            built.append((n.id, self._messages(event, n.id)))
        return built, None

    def _messages(self, event: CaseEvent | LedgerEvent, position: int) -> list[Message]:
        kafka = self.kafka
        return messages_for(
            event, position, topic=kafka.topic, pii_topic=kafka.pii_topic, source=kafka.source
        )

    def _send(self, built: list[_Built]) -> _Page:
        producer = self._ready_producer()
        futures = [
            (position, producer.send(m.topic, key=m.key, value=m.value, headers=m.headers))
            for position, messages in built
            for m in messages
        ]
        return _Page(futures, len(built))

    def _advance(self, expected: int, new: int) -> bool:
        try:
            relay_tracking.advance(self.db, self.name, expected, new)
        except TrackingConflictError as e:
            log.info("position moved by another relay: %s", e)
            return False
        return True

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
        last_report = float("-inf")  # the first report (and the metrics) at once

        def report() -> None:
            nonlocal last_report
            if time.monotonic() - last_report >= report_every:
                last_report = time.monotonic()
                status = self.status()
                metrics.relay_status(status.topic, status.position, status.head)
                log.info("relay at %s of %s (lag %s)", status.position, status.head, status.lag)

        follow_log(
            lambda: self._publish(max_pages=FOLLOW_PAGES),
            stop,
            LogWaiter(self.listen_dsn, self.db.events_table),
            idle_wait=idle_wait,
            first_wait=0.5,
            on_failure=self._note_failure,
            after_step=report,
        )
        self.close()

    def _note_failure(self, error: BaseException, backoff: float) -> None:
        self._errors.inc()
        try:
            relay_tracking.record_error(self.db, self.name, f"{type(error).__name__}: {error}")
            status = self.status()
            metrics.relay_status(status.topic, status.position, status.head)
            lag = status.lag
        except Exception:
            lag = -1
        log.warning(
            "relay: %s: %s; %s events waiting; retrying in %.1fs",
            type(error).__name__,
            error,
            lag if lag >= 0 else "unknown",
            backoff,
        )

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
