"""Where the eGov intake stands on its topic: for each partition it holds, the next
offset it will handle and the partition's end, as its consumer knew them at its last
recorded round (``systemStatus``).

Both are read from the consumer without asking the broker: the position is where the
worker's last batch left it (what it committed, or rewound to after a failure), the end
is the high watermark of its last fetch (``end_offsets()`` is not used: wrong on some
Kafka-protocol brokers, shared/FIELD-NOTES.md). Each worker writes the partitions it holds,
replacing their rows; a partition moved to another worker of the group keeps its last row
(its ``read_at`` says when). The table is made by ``bolashak db init`` and, for a store
initialised before it existed, by the worker when it starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from infra import worker_runs
from projections.sql import ViewDatabase

TABLE = "intake_positions"
DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (topic TEXT NOT NULL, kafka_partition BIGINT NOT NULL,"
    " position BIGINT NOT NULL, end_offset BIGINT NOT NULL, read_at TEXT NOT NULL,"
    " PRIMARY KEY (topic, kafka_partition))"
)
READ_TIMEOUT_MS = 1000  # a position not known yet (just assigned) is looked up, briefly


@dataclass(frozen=True)
class PartitionPosition:
    topic: str
    partition: int
    position: int  # the next offset the intake will handle
    end_offset: int  # the offset the next message sent will get
    read_at: datetime

    @property
    def lag(self) -> int:
        """Messages on the partition not handled yet."""
        return max(0, self.end_offset - self.position)


def total_lag(found: Sequence[PartitionPosition]) -> int:
    return sum(p.lag for p in found)


def of_consumer(consumer: Any) -> list[PartitionPosition]:
    """The partitions ``consumer`` holds whose end it has fetched, each with its position
    (none while it joins its group or before its first fetch)."""
    now = datetime.now(UTC)
    found = []
    for tp in sorted(consumer.assignment() or ()):
        end = consumer.highwater(tp)
        position = None if end is None else consumer.position(tp, timeout_ms=READ_TIMEOUT_MS)
        if end is not None and position is not None:
            found.append(PartitionPosition(tp.topic, tp.partition, position, end, now))
    return found


def create_table(db: ViewDatabase) -> None:
    with db.transaction() as cur:
        cur.execute(DDL)


def record(db: ViewDatabase, found: Sequence[PartitionPosition]) -> None:
    """The partitions' rows, replacing those written before."""
    if not found:
        return
    with db.transaction() as cur:
        for p in found:
            cur.execute(
                f"INSERT INTO {TABLE} (topic, kafka_partition, position, end_offset, read_at)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (topic, kafka_partition) DO UPDATE"
                " SET position = excluded.position, end_offset = excluded.end_offset,"
                " read_at = excluded.read_at",
                (p.topic, p.partition, p.position, p.end_offset, p.read_at.isoformat()),
            )


def read_all(db: ViewDatabase) -> list[PartitionPosition]:
    """Every partition's row, by topic and partition (none before the first round)."""
    if not worker_runs.has_table(db, TABLE):
        return []
    rows = db.query(
        f"SELECT topic, kafka_partition, position, end_offset, read_at FROM {TABLE}"
        " ORDER BY topic, kafka_partition"
    )
    return [
        PartitionPosition(str(t), int(p), int(pos), int(end), datetime.fromisoformat(str(at)))
        for t, p, pos, end, at in rows
    ]
