"""Where each projection stands in the event log, and the events it could not process.

The position is written in the same transaction as the projection's rows, and only if it
still is what the batch started from: a crash, or a second worker, can neither skip an
event nor count one twice.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

from projections.cursors import Cursor

TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_tracking (name TEXT PRIMARY KEY, position BIGINT"
    " NOT NULL, version BIGINT NOT NULL, updated_at TEXT NOT NULL)"
)
DEAD_LETTERS_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_dead_letters (name TEXT NOT NULL, position BIGINT"
    " NOT NULL, application_id TEXT NOT NULL, event_version BIGINT NOT NULL, event_type TEXT"
    " NOT NULL, error TEXT NOT NULL, detail TEXT NOT NULL, attempts BIGINT NOT NULL,"
    " recorded_at TEXT NOT NULL, PRIMARY KEY (name, position))"
)


class TrackingConflictError(Exception):
    """Another worker moved the position first: this batch is rolled back and re-read."""


@dataclass(frozen=True)
class DeadLetter:
    name: str
    position: int
    application_id: str
    event_version: int
    event_type: str
    error: str
    attempts: int
    recorded_at: str


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def ensure(cur: Cursor, name: str, version: int) -> None:
    create_tables(cur)
    cur.execute(
        "INSERT INTO projection_tracking (name, position, version, updated_at)"
        " VALUES (%s, 0, %s, %s) ON CONFLICT (name) DO NOTHING",
        (name, version, now()),
    )


def create_tables(cur: Cursor) -> None:
    cur.execute(TRACKING_DDL)
    cur.execute(DEAD_LETTERS_DDL)


def positions(cur: Cursor) -> dict[str, tuple[int, int]]:
    """name -> (position, version)."""
    cur.execute("SELECT name, position, version FROM projection_tracking")
    return {name: (int(pos), int(ver)) for name, pos, ver in cur.fetchall()}


def advance(cur: Cursor, name: str, expected: int, new: int) -> None:
    cur.execute(
        "UPDATE projection_tracking SET position = %s, updated_at = %s"
        " WHERE name = %s AND position = %s",
        (new, now(), name, expected),
    )
    if cur.rowcount != 1:
        raise TrackingConflictError(f"{name} moved from {expected} by another worker")


def reset(cur: Cursor, name: str, position: int, version: int) -> None:
    cur.execute(
        "UPDATE projection_tracking SET position = %s, version = %s, updated_at = %s"
        " WHERE name = %s",
        (position, version, now(), name),
    )


class LogEntry(NamedTuple):
    """An event's place in the log, known even when the event cannot be decoded.

    (A named tuple: one is made for every event a reader decodes.)
    """

    position: int
    originator_id: UUID
    event_version: int
    topic: str

    @property
    def application_id(self) -> str:
        return str(self.originator_id)

    @property
    def event_type(self) -> str:
        return self.topic.rsplit(":", 1)[-1]


def park(cur: Cursor, name: str, entry: LogEntry, error: BaseException) -> None:
    """Records an event the projection could not process (or that waits behind one)."""
    cur.execute(
        "INSERT INTO projection_dead_letters (name, position, application_id, event_version,"
        " event_type, error, detail, attempts, recorded_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, 1, %s)"
        " ON CONFLICT (name, position) DO UPDATE SET error = excluded.error,"
        " detail = excluded.detail,"
        " attempts = projection_dead_letters.attempts + 1, recorded_at = excluded.recorded_at",
        (
            name,
            entry.position,
            entry.application_id,
            entry.event_version,
            entry.event_type,
            f"{type(error).__name__}: {error}",
            "".join(traceback.format_exception(error))[-4000:],
            now(),
        ),
    )


def parked_cases(cur: Cursor, name: str) -> set[str]:
    cur.execute(
        "SELECT DISTINCT application_id FROM projection_dead_letters WHERE name = %s", (name,)
    )
    return {row[0] for row in cur.fetchall()}


def dead_letters(cur: Cursor, name: str | None = None) -> list[DeadLetter]:
    where, params = ("WHERE name = %s", (name,)) if name else ("", ())
    cur.execute(
        "SELECT name, position, application_id, event_version, event_type, error, attempts,"
        f" recorded_at FROM projection_dead_letters {where} ORDER BY name, position",
        params,
    )
    return [DeadLetter(*_ints(row)) for row in cur.fetchall()]


def rename_dead_letters(cur: Cursor, old: str, new: str) -> None:
    """Replaces ``new``'s dead letters with ``old``'s (a rebuild's, at the swap)."""
    cur.execute("DELETE FROM projection_dead_letters WHERE name = %s", (new,))
    cur.execute("UPDATE projection_dead_letters SET name = %s WHERE name = %s", (new, old))


def resolve(cur: Cursor, name: str, positions_done: list[int]) -> None:
    cur.executemany(
        "DELETE FROM projection_dead_letters WHERE name = %s AND position = %s",
        [(name, p) for p in positions_done],
    )


def _ints(row: tuple[Any, ...]) -> tuple[Any, ...]:
    name, position, application_id, version, event_type, error, attempts, at = row
    return name, int(position), application_id, int(version), event_type, error, int(attempts), at
