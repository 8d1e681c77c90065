"""``bolashak intake``: the eGov submissions on the inbound topic, each sent as
``submitApplication`` through the command service.

Delivery is at least once and nothing is lost:
- offsets are committed by hand, only after every message of the batch was handled: its
  command's transaction committed, or its dead letter acknowledged by the broker and
  recorded. A crash in between redelivers the batch; each submission's idempotency key
  (the CloudEvents ``id``) makes the command answer ``replayed`` and store nothing new, and
  a dead letter already recorded is not sent again.
- A message that is not a submission (``MalformedMessageError``) or that the command refuses
  (a ``DomainError``: a rule, the process, a key reused for other data) goes to the
  dead-letter topic with the reason in its headers (``dead_letter_kind``,
  ``dead_letter_reason``), and to the table officers read; the consumer goes on.
- Anything else (the database or the broker down) is not the message's fault: nothing
  from that message on is committed, the partitions are rewound to it, and the batch is
  tried again after a pause; the consumer does not stop.

Each round (at most every ``HEARTBEAT_SECONDS``) is recorded in ``worker_runs`` as
``intake``, with the position on each partition (``positions``): what ``bolashak health
--worker intake`` checks and ``systemStatus`` shows. Its metrics (``IntakeFigures``) move
with every message and round.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from kafka import TopicPartition
from kafka.structs import OffsetAndMetadata

from domain.clock import Clock
from domain.errors import ConcurrencyConflictError, DomainError, IdempotencyKeyReusedError
from infra import worker_runs
from infra.case_store import CaseService
from infra.consuming import IdleExit, manual_commit_consumer
from infra.intake import dead_letters, positions
from infra.intake.message import MalformedMessageError, Record, read_submission
from infra.observability.metrics import IntakeFigures
from infra.settings import Kafka
from projections.sql import ViewDatabase

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 30.0
MAX_RECORDS = 100  # a batch, handled well within the group's max poll interval
RETRY_PAUSE_SECONDS = 1.0
ACK_TIMEOUT_SECONDS = 30.0
KIND_HEADER, REASON_HEADER = "dead_letter_kind", "dead_letter_reason"
PLACE_HEADER = "dead_letter_from"  # topic/partition/offset of the original message


class Sender(Protocol):
    """The dead-letter producer (``kafka.KafkaProducer``)."""

    def send(
        self, topic: str, *, key: bytes | None, value: bytes | None, headers: list[Any]
    ) -> Any: ...

    def flush(self, timeout: float | None = None) -> None: ...

    def close(self, timeout: float | None = None) -> None: ...


@dataclass
class Tally:
    submitted: int = 0
    replayed: int = 0  # redelivered: nothing new stored
    dead_letters: int = 0

    def add(self, other: Tally) -> None:
        self.submitted += other.submitted
        self.replayed += other.replayed
        self.dead_letters += other.dead_letters

    @property
    def handled(self) -> int:
        return self.submitted + self.replayed + self.dead_letters

    def text(self) -> str:
        return (
            f"submitted {self.submitted}, replayed {self.replayed},"
            f" dead letters {self.dead_letters}"
        )


@dataclass
class _Batch:
    """What a batch did so far: its tally, the dead letters waiting for their
    acknowledgement, and the next offset of each partition handled."""

    tally: Tally = field(default_factory=Tally)
    letters: list[tuple[dead_letters.DeadLetter, Any]] = field(default_factory=list)
    done: dict[Any, int] = field(default_factory=dict)


class IntakeWorker:
    def __init__(
        self,
        service: CaseService,
        consumer: Any,
        producer: Sender,
        db: ViewDatabase,
        kafka: Kafka,
        clock: Clock,
    ) -> None:
        """``consumer``: a ``kafka.KafkaConsumer`` subscribed to the intake topic with
        ``enable_auto_commit=False`` (``new_intake_consumer``); ``db``: the system's
        database, for the dead letters and the worker's rounds."""
        self.service = service
        self.consumer = consumer
        self.producer = producer
        self.db = db
        self.kafka = kafka
        self.clock = clock
        self.total = Tally()
        self.figures = IntakeFigures(kafka.intake_topic, dead_letters.KINDS)
        self._beat = 0.0
        dead_letters.create_table(db)
        positions.create_table(db)

    # -- one batch -----------------------------------------------------------------------

    def poll_once(self, timeout_ms: int = 500, max_records: int = MAX_RECORDS) -> Tally:
        """Handles one batch, then commits its offsets. An error that is not the messages'
        rewinds to the first message not handled (after committing those before) and is
        raised."""
        polled = self.consumer.poll(timeout_ms=timeout_ms, max_records=max_records)
        batch = _Batch()
        try:
            for records in polled.values():
                for record in records:
                    self._handle(record, batch)
                    batch.done[_partition_of(record)] = record.offset + 1
            self._settle(batch)
        except Exception:
            self._rewind(polled, batch)
            raise
        if batch.done:
            self.consumer.commit(_offsets(batch.done))
        self.total.add(batch.tally)
        return batch.tally

    def _handle(self, record: Record, batch: _Batch) -> None:
        message_id, message_type, source = "", "", ""
        self.figures.received.inc()
        try:
            submission = read_submission(record, self.clock.today())
            message_id = submission.attributes.id
            message_type, source = submission.attributes.type, submission.attributes.source
            result = self.service.handle(submission.command, submission.context)
        except MalformedMessageError as e:
            self._dead_letter(record, batch, dead_letters.MALFORMED, e.reason, e.message_id)
            return
        except ConcurrencyConflictError:
            raise  # other writers kept changing the case: tried again, not the message's fault
        except DomainError as e:
            reason = _refusal(e)
            self._dead_letter(
                record, batch, dead_letters.REFUSED, reason, message_id, message_type, source
            )
            return
        if result.replayed:
            batch.tally.replayed += 1
            self.figures.duplicates.inc()
        else:
            batch.tally.submitted += 1
            self.figures.stored.inc()

    def _dead_letter(
        self,
        record: Record,
        batch: _Batch,
        kind: str,
        reason: str,
        message_id: str,
        message_type: str = "",
        source: str = "",
    ) -> None:
        """Sends the message to the dead-letter topic with the reason in its headers, unless
        a redelivery finds it sent and recorded already."""
        batch.tally.dead_letters += 1
        with self.db.transaction() as cur:
            if dead_letters.known(cur, record.topic, record.partition, record.offset):
                self.figures.duplicates.inc()
                return
        log.warning(
            "intake dead letter",
            extra={
                "kind": kind,
                "reason": reason,
                "message_id": message_id,
                "partition": record.partition,
                "offset": record.offset,
            },
        )
        place = f"{record.topic}/{record.partition}/{record.offset}"
        headers = [
            *(record.headers or []),
            (KIND_HEADER, kind.encode()),
            (REASON_HEADER, reason.encode()),
            (PLACE_HEADER, place.encode()),
        ]
        future = self.producer.send(
            self.kafka.intake_dead_letter_topic,
            key=record.key,
            value=record.value,
            headers=headers,
        )
        letter = dead_letters.DeadLetter(
            record.topic,
            record.partition,
            record.offset,
            message_id,
            message_type,
            source,
            kind,
            reason,
            dead_letters.now(),
        )
        batch.letters.append((letter, future))

    def _settle(self, batch: _Batch) -> None:
        """Waits for the broker to acknowledge the batch's dead letters, then records
        them: before the offsets are committed."""
        if not batch.letters:
            return
        self.producer.flush(ACK_TIMEOUT_SECONDS)
        for _, future in batch.letters:
            future.get(timeout=ACK_TIMEOUT_SECONDS)
        with self.db.transaction() as cur:
            for letter, _ in batch.letters:
                dead_letters.record(cur, letter)
        for letter, _ in batch.letters:
            self.figures.dead_letter(letter.kind)

    def _rewind(self, polled: dict[Any, list[Record]], batch: _Batch) -> None:
        """Commits what was handled before the failure (its dead letters acknowledged)
        and seeks each partition of the batch back to its first message not handled."""
        try:
            self._settle(batch)
            if batch.done:
                self.consumer.commit(_offsets(batch.done))
        except Exception as e:  # the broker or the database: all of it comes again
            log.warning("intake: nothing of the failed batch committed (%s)", e)
            batch.done.clear()
        for partition, records in polled.items():
            if records:
                self.consumer.seek(partition, batch.done.get(partition, records[0].offset))

    # -- the loop ------------------------------------------------------------------------

    def run(
        self,
        should_stop: Callable[[], bool],
        *,
        idle_exit: float | None = None,
        on_batch: Callable[[Tally], None] | None = None,
    ) -> Tally:
        """Consumes until ``should_stop()``, or until ``idle_exit`` seconds pass without
        a message once it has its partitions. A failed batch is tried again after a pause."""
        idle = IdleExit(idle_exit)
        self.figures.started()
        while not should_stop():
            try:
                tally = self.poll_once()
            except Exception as e:
                log.exception("intake: batch failed, tried again")
                self._record_round(ok=False, outcome=f"{type(e).__name__}: {e}", force=True)
                time.sleep(RETRY_PAUSE_SECONDS)
                continue
            self._record_round(ok=True, outcome=self.total.text())
            if tally.handled and on_batch is not None:
                on_batch(tally)
            if idle.reached(handled=bool(tally.handled), assigned=bool(self.consumer.assignment())):
                break
        self._record_round(ok=True, outcome=self.total.text(), force=True)
        return self.total

    def _record_round(self, *, ok: bool, outcome: str, force: bool = False) -> None:
        """The round in the metrics; in ``worker_runs``, with the partitions' positions,
        at most every ``HEARTBEAT_SECONDS``."""
        found = self._positions()
        self.figures.round(ok=ok, lag=positions.total_lag(found) if found else None)
        if not force and time.monotonic() - self._beat < HEARTBEAT_SECONDS:
            return
        try:
            worker_runs.record(self.db, worker_runs.INTAKE, ok=ok, outcome=outcome)
            positions.record(self.db, found)
            self._beat = time.monotonic()
        except Exception as e:  # the database down: the next round tries again
            log.warning("intake: round not recorded (%s)", e)

    def _positions(self) -> list[positions.PartitionPosition]:
        try:
            return positions.of_consumer(self.consumer)
        except Exception as e:  # partitions moving between members: read next round
            log.debug("intake: positions not read (%s)", e)
            return []

    def close(self) -> None:
        self.consumer.close()
        self.producer.close(ACK_TIMEOUT_SECONDS)
        self.db.close()
        self.service.close()


def _refusal(error: DomainError) -> str:
    """Why the command refused, naming rules and fields, quoting no value."""
    if isinstance(error, IdempotencyKeyReusedError):
        return "refused: the message id was used before for another submission"
    errors = getattr(error, "errors", None)
    if errors:
        return "invalid: " + "; ".join(f"{p.field} [{p.rule}]" for p in errors)
    rule = getattr(error, "rule", "")
    return f"refused: {type(error).__name__}" + (f" [{rule}]" if rule else "")


def _partition_of(record: Record) -> Any:
    return TopicPartition(record.topic, record.partition)


def _offsets(done: dict[Any, int]) -> dict[Any, Any]:
    return {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in done.items()}


def new_intake_consumer(kafka: Kafka, **overrides: Any) -> Any:
    """A consumer in the intake's group, committing by hand, reading from the start."""
    return manual_commit_consumer(kafka, kafka.intake_group, kafka.intake_topic, **overrides)
