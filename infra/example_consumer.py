"""An example downstream service: the pattern downstream teams copy (``bolashak consume``).

It reads the public topic in a consumer group with manual commits and keeps a table of
cases by status in its own database. Kafka delivers at least once (the relay re-sends a
tail after a crash, a rebalance re-delivers what was not committed), so every message is
handled in one database transaction that also records its event id: a duplicate finds
its id already there and changes nothing. Offsets are committed only after that
transaction, so a crash between the two re-delivers, and the id check drops it again.
A message that is not a well-formed event is recorded as rejected, not retried forever.
While tracing is on, each message is handled in a span that continues the trace of the
command that recorded its event (the CloudEvents ``traceparent`` the relay sends).
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from infra.consuming import IdleExit, manual_commit_consumer
from infra.observability import tracing
from infra.relay.messages import QUOTA_TYPE_PREFIX
from infra.settings import Settings
from projections.cursors import Cursor
from projections.sql import ViewDatabase
from projections.tracking import now

log = logging.getLogger(__name__)

TABLES = (
    "CREATE TABLE IF NOT EXISTS consumer_cases (application_id TEXT PRIMARY KEY,"
    " applicant_code TEXT NOT NULL DEFAULT '', stage TEXT NOT NULL, status TEXT NOT NULL,"
    " version BIGINT NOT NULL, last_event_id TEXT NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS consumer_seen_events (event_id TEXT PRIMARY KEY,"
    " seen_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS consumer_rejected (topic TEXT NOT NULL, kafka_partition"
    " BIGINT NOT NULL, kafka_offset BIGINT NOT NULL, error TEXT NOT NULL, seen_at TEXT NOT"
    " NULL, PRIMARY KEY (topic, kafka_partition, kafka_offset))",
)
UPSERT_CASE = (
    "INSERT INTO consumer_cases (application_id, applicant_code, stage, status, version,"
    " last_event_id, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (application_id) DO UPDATE SET"
    " applicant_code = CASE WHEN excluded.applicant_code = ''"
    " THEN consumer_cases.applicant_code ELSE excluded.applicant_code END,"
    " stage = CASE WHEN excluded.stage = '' THEN consumer_cases.stage ELSE excluded.stage END,"
    " status = CASE WHEN excluded.status = '' THEN consumer_cases.status"
    " ELSE excluded.status END,"
    " version = excluded.version, last_event_id = excluded.last_event_id,"
    " updated_at = excluded.updated_at"
    " WHERE consumer_cases.version < excluded.version"
)


class Record(Protocol):
    topic: str
    partition: int
    offset: int
    value: bytes | None
    headers: list[tuple[str, bytes]]


class RejectedMessageError(ValueError):
    """Not a well-formed event message (missing header, bad JSON)."""


@dataclass
class Tally:
    applied: int = 0
    duplicates: int = 0
    rejected: int = 0

    def add(self, other: Tally) -> None:
        self.applied += other.applied
        self.duplicates += other.duplicates
        self.rejected += other.rejected


class CaseStatusConsumer:
    def __init__(self, db: ViewDatabase, consumer: Any) -> None:
        """``db``: its own store (``infra.container.build_consumer``); ``consumer``: a
        ``kafka.KafkaConsumer`` subscribed (or assigned) to the topic, with
        ``enable_auto_commit=False``."""
        self.db = db
        self.consumer = consumer
        with self.db.transaction() as cur:
            for statement in TABLES:
                cur.execute(statement)

    def poll_once(self, timeout_ms: int = 1000, max_records: int = 500) -> Tally:
        """Handles one batch of messages, then commits their offsets."""
        batches = self.consumer.poll(timeout_ms=timeout_ms, max_records=max_records)
        records: list[Record] = [r for rs in batches.values() for r in rs]
        if not records:
            return Tally()
        tally = self.handle(records)
        self.consumer.commit()
        return tally

    def handle(self, records: list[Record]) -> Tally:
        """Applies the records in one transaction; duplicates (by event id) change nothing."""
        tally = Tally()
        with self.db.transaction() as cur:
            for record in records:
                try:
                    if tracing.enabled():
                        with _consuming(record):
                            applied = self._apply(cur, record)
                    else:
                        applied = self._apply(cur, record)
                except RejectedMessageError as e:
                    self._reject(cur, record, str(e))
                    tally.rejected += 1
                    continue
                if applied:
                    tally.applied += 1
                else:
                    tally.duplicates += 1
        return tally

    def _apply(self, cur: Cursor, record: Record) -> bool:
        """True: applied; False: a duplicate. A quota ledger's message (the topic carries
        them beside the cases') is taken once, like any, and changes no case's row."""
        headers = dict(record.headers or [])
        event_id = _header(headers, "ce_id")
        if _header(headers, "ce_specversion") != "1.0":
            raise RejectedMessageError("ce_specversion: expected 1.0")
        ledger = headers.get("ce_type", b"").startswith(QUOTA_TYPE_PREFIX.encode())
        try:
            value = orjson.loads(record.value or b"")
            case_id = str(value["ledger_id" if ledger else "application_id"])
            version = int(value["version"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as e:
            raise RejectedMessageError(f"value: not an event message ({e})") from None
        cur.execute(
            "INSERT INTO consumer_seen_events (event_id, seen_at) VALUES (%s, %s)"
            " ON CONFLICT (event_id) DO NOTHING",
            (event_id, now()),
        )
        if cur.rowcount == 0:
            return False
        if ledger:
            return True
        data = value.get("data") or {}
        cur.execute(
            UPSERT_CASE,
            (
                case_id,
                str(data.get("applicant_code") or ""),
                str(value.get("stage") or ""),
                str(value.get("status") or ""),
                version,
                event_id,
                now(),
            ),
        )
        return True

    def _reject(self, cur: Cursor, record: Record, error: str) -> None:
        log.warning("rejected %s[%s]@%s: %s", record.topic, record.partition, record.offset, error)
        cur.execute(
            "INSERT INTO consumer_rejected (topic, kafka_partition, kafka_offset, error, seen_at)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (record.topic, record.partition, record.offset, error, now()),
        )

    def by_status(self) -> Counter[str]:
        rows = self.db.query("SELECT status, COUNT(*) FROM consumer_cases GROUP BY status")
        return Counter({str(status): int(n) for status, n in rows})

    def cases(self) -> dict[str, tuple[str, int]]:
        """application id -> (stage, version)."""
        rows = self.db.query("SELECT application_id, stage, version FROM consumer_cases")
        return {str(a): (str(s), int(v)) for a, s, v in rows}

    def run(
        self,
        should_stop: Callable[[], bool],
        *,
        idle_exit: float | None = None,
        on_batch: Callable[[Tally], None] | None = None,
    ) -> Tally:
        """Consumes until ``should_stop()``, or until ``idle_exit`` seconds pass without a
        message once it has its partitions."""
        total = Tally()
        idle = IdleExit(idle_exit)
        while not should_stop():
            tally = self.poll_once(timeout_ms=500)
            total.add(tally)
            handled = bool(tally.applied or tally.duplicates or tally.rejected)
            if handled and on_batch is not None:
                on_batch(tally)
            if idle.reached(handled=handled, assigned=bool(self.consumer.assignment())):
                break
        return total

    def close(self) -> None:
        self.consumer.close()
        self.db.close()


def _consuming(record: Record) -> contextlib.AbstractContextManager[object]:
    """A consumer span for ``record``, the child of the span its event was recorded in."""
    headers = dict(record.headers or [])
    parent = headers.get("ce_traceparent") or headers.get("traceparent") or b""
    kind = headers.get("ce_type", b"").decode("utf-8", "replace")
    return tracing.span(
        f"{record.topic} process",
        kind=tracing.SpanKind.CONSUMER,
        parent=parent.decode("ascii", "replace"),
        attributes={
            "messaging.system": "kafka",
            "messaging.destination.name": record.topic,
            "messaging.kafka.offset": record.offset,
            "cloudevents.event_type": kind,
        },
    )


def _header(headers: dict[str, bytes], name: str) -> str:
    raw = headers.get(name)
    if not raw:
        raise RejectedMessageError(f"{name}: header missing")
    return raw.decode("utf-8", "replace")


def new_kafka_consumer(settings: Settings, **overrides: Any) -> Any:
    """A consumer in the configured group, committing by hand, reading from the start."""
    kafka = settings.kafka
    return manual_commit_consumer(kafka, kafka.consumer_group, kafka.topic, **overrides)
