"""The intake's dead letters as officers see them: one row per message sent to the
dead-letter topic, in the system's database (``intakeDeadLetters``).

A row says where the message was (topic, partition, offset), its CloudEvents id, type and
source when it had them, what kind of problem it was and why, and when. It never holds the
message's value (the applicant's data stays on the dead-letter topic, whose access the
broker controls), and the reason names fields and rules, not their values.

The table is made by ``bolashak db init`` and, for a store initialised before it existed,
by the worker when it starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from infra import worker_runs
from projections.cursors import Cursor
from projections.sql import ViewDatabase

TABLE = "intake_dead_letters"
DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (topic TEXT NOT NULL, kafka_partition BIGINT NOT NULL,"
    " kafka_offset BIGINT NOT NULL, message_id TEXT NOT NULL, message_type TEXT NOT NULL,"
    " source TEXT NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL,"
    " dead_lettered_at TEXT NOT NULL, PRIMARY KEY (topic, kafka_partition, kafka_offset))"
)
MAX_SHOWN = 200  # rows one query returns at most
MAX_TEXT = 500  # characters kept of a reason, an id, a type or a source

# what went wrong (the row's kind; the dead-letter header dead_letter_kind)
MALFORMED = "malformed"  # not a submission: not a CloudEvent, or its data does not read
REFUSED = "refused"  # a submission the command refused: a rule, the process, a reused key
KINDS = (MALFORMED, REFUSED)


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    partition: int
    offset: int
    message_id: str
    message_type: str
    source: str
    kind: str
    reason: str
    dead_lettered_at: datetime


def create_table(db: ViewDatabase) -> None:
    with db.transaction() as cur:
        cur.execute(DDL)


def known(cur: Cursor, topic: str, partition: int, offset: int) -> bool:
    """True when the message at this place was dead-lettered already (a redelivery)."""
    cur.execute(
        f"SELECT 1 FROM {TABLE} WHERE topic = %s AND kafka_partition = %s AND kafka_offset = %s",
        (topic, partition, offset),
    )
    return bool(cur.fetchall())


def record(cur: Cursor, letter: DeadLetter) -> None:
    cur.execute(
        f"INSERT INTO {TABLE} (topic, kafka_partition, kafka_offset, message_id, message_type,"
        " source, kind, reason, dead_lettered_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT DO NOTHING",
        (
            letter.topic,
            letter.partition,
            letter.offset,
            letter.message_id[:MAX_TEXT],
            letter.message_type[:MAX_TEXT],
            letter.source[:MAX_TEXT],
            letter.kind,
            letter.reason[:MAX_TEXT],
            letter.dead_lettered_at.isoformat(timespec="milliseconds"),
        ),
    )


def count(db: ViewDatabase) -> int:
    """How many dead letters there are (none before the worker's first start)."""
    if not worker_runs.has_table(db, TABLE):
        return 0
    return int(db.query(f"SELECT COUNT(*) FROM {TABLE}")[0][0])


def newest(db: ViewDatabase, first: int = 50) -> tuple[int, list[DeadLetter]]:
    """How many dead letters there are, and the ``first`` newest (at most ``MAX_SHOWN``)."""
    total = count(db)
    if not total:
        return 0, []
    rows = db.query(
        f"SELECT topic, kafka_partition, kafka_offset, message_id, message_type, source, kind,"
        f" reason, dead_lettered_at FROM {TABLE}"
        " ORDER BY dead_lettered_at DESC, topic, kafka_partition, kafka_offset DESC LIMIT %s",
        (max(0, min(first, MAX_SHOWN)),),
    )
    return total, [
        DeadLetter(
            str(t),
            int(p),
            int(o),
            str(i),
            str(ty),
            str(s),
            str(k),
            str(r),
            datetime.fromisoformat(str(at)),
        )
        for t, p, o, i, ty, s, k, r, at in rows
    ]


def now() -> datetime:
    return datetime.now(UTC)
