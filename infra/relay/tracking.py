"""Where the relay stands in the event log, per topic: recorded only after the broker
acknowledged every message up to that position."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from projections.cursors import Cursor
from projections.sql import ViewDatabase
from projections.tracking import TrackingConflictError, now

RELAY_TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS relay_tracking (name TEXT PRIMARY KEY, position BIGINT NOT NULL,"
    " updated_at TEXT NOT NULL, last_error TEXT NOT NULL DEFAULT '',"
    " last_error_at TEXT NOT NULL DEFAULT '')"
)


def name_for(topic: str) -> str:
    """The relay's row: one per topic it publishes to."""
    return f"relay:{topic}"


@dataclass(frozen=True)
class RelayPosition:
    name: str
    position: int
    updated_at: str
    last_error: str
    last_error_at: str


def ensure(cur: Cursor, name: str) -> None:
    cur.execute(RELAY_TRACKING_DDL)
    cur.execute(
        "INSERT INTO relay_tracking (name, position, updated_at) VALUES (%s, 0, %s)"
        " ON CONFLICT (name) DO NOTHING",
        (name, now()),
    )


_SELECT = "SELECT name, position, updated_at, last_error, last_error_at FROM relay_tracking"


def read(db: ViewDatabase, name: str) -> RelayPosition:
    rows = db.query(f"{_SELECT} WHERE name = %s", (name,))
    return _position(rows[0]) if rows else RelayPosition(name, 0, "", "", "")


def read_all(db: ViewDatabase) -> list[RelayPosition]:
    """Every relay's position (one per topic), by name."""
    return [_position(r) for r in db.query(f"{_SELECT} ORDER BY name")]


def _position(row: tuple[Any, ...]) -> RelayPosition:
    name, position, updated_at, error, error_at = row
    return RelayPosition(name, int(position), updated_at, error, error_at)


def advance(db: ViewDatabase, name: str, expected: int, new: int) -> None:
    """Moves the position from ``expected`` to ``new`` (and clears the last error)."""
    with db.transaction() as cur:
        cur.execute(
            "UPDATE relay_tracking SET position = %s, updated_at = %s, last_error = ''"
            " WHERE name = %s AND position = %s",
            (new, now(), name, expected),
        )
        if cur.rowcount != 1:
            raise TrackingConflictError(f"{name} moved from {expected} by another relay")


def record_error(db: ViewDatabase, name: str, error: str) -> None:
    with db.transaction() as cur:
        cur.execute(
            "UPDATE relay_tracking SET last_error = %s, last_error_at = %s WHERE name = %s",
            (error[:2000], now(), name),
        )


def reset(db: ViewDatabase, name: str, position: int) -> None:
    """Sets the position (an operator republishing from there)."""
    with db.transaction() as cur:
        ensure(cur, name)
        cur.execute(
            "UPDATE relay_tracking SET position = %s, updated_at = %s WHERE name = %s",
            (position, now(), name),
        )
