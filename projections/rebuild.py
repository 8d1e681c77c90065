"""Rebuild: replay the whole log into fresh tables, then swap them in.

Queries keep reading the live tables while the rebuild runs. The swap is one transaction:
it locks the live tables, catches up with the events that arrived meanwhile, replaces the
live tables with the fresh ones and sets the position, so the live worker carries on from
there without skipping or repeating an event.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from projections import tracking
from projections.base import Projection
from projections.engine import ProjectionEngine
from projections.rows import BatchRows
from projections.schema import REBUILD_SUFFIX
from projections.sql import Cursor

Progress = Callable[[int, int], None]  # (position reached, head of the log)


@dataclass(frozen=True)
class RebuildReport:
    name: str
    events: int
    position: int
    seconds: float
    parked: int

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def rebuild(
    engine: ProjectionEngine, name: str, progress: Progress | None = None, page_size: int = 5000
) -> RebuildReport:
    projection = engine.projection(name)
    started = time.perf_counter()
    _create_fresh_tables(engine, projection)
    rows = BatchRows(cursor=None, suffix=REBUILD_SUFFIX, empty=True)  # type: ignore[arg-type]
    position, events = 0, 0
    while True:
        with engine.db.transaction() as cur:
            moved, consumed = _replay_page(engine, cur, projection, rows, position, page_size)
        if not consumed:
            break
        position, events = moved, events + consumed
        if progress is not None:
            progress(position, engine.head())
    with engine.db.transaction() as cur:
        _lock_live(engine, cur, projection)
        while True:
            moved, consumed = _replay_page(engine, cur, projection, rows, position, page_size)
            if not consumed:
                break
            position, events = moved, events + consumed
        _swap(engine, cur, projection, position)
        parked = len(tracking.dead_letters(cur, name))
    return RebuildReport(name, events, position, time.perf_counter() - started, parked)


def _create_fresh_tables(engine: ProjectionEngine, projection: Projection) -> None:
    with engine.db.transaction() as cur:
        tracking.ensure(cur, projection.name, projection.version)
        cur.execute(
            "DELETE FROM projection_dead_letters WHERE name = %s",
            (projection.name + REBUILD_SUFFIX,),
        )
        for table in projection.tables:
            cur.execute(table.drop_statement(REBUILD_SUFFIX))
            for statement in table.create_statements(engine.db.dialect, REBUILD_SUFFIX):
                cur.execute(statement)


def _replay_page(
    engine: ProjectionEngine,
    cur: Cursor,
    projection: Projection,
    rows: BatchRows,
    after: int,
    page_size: int,
) -> tuple[int, int]:
    notifications = engine.db.read_log(after, page_size)
    if not notifications:
        return after, 0
    items = engine.decode(notifications)
    engine.apply(cur, projection, items, rows, name=projection.name + REBUILD_SUFFIX)
    return notifications[-1].id, len(notifications)


def _lock_live(engine: ProjectionEngine, cur: Cursor, projection: Projection) -> None:
    """Stops the live worker's writes until the swap commits (SQLite: the write lock)."""
    if engine.db.dialect == "postgres":
        names = ", ".join(t.name for t in projection.tables)
        cur.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
        cur.execute(
            "SELECT position FROM projection_tracking WHERE name = %s FOR UPDATE",
            (projection.name,),
        )


def _swap(engine: ProjectionEngine, cur: Cursor, projection: Projection, position: int) -> None:
    dialect = engine.db.dialect
    for table in projection.tables:
        cur.execute(table.drop_statement())
        for statement in table.rename_statements(REBUILD_SUFFIX, "", dialect):
            cur.execute(statement)
        if dialect == "sqlite":
            for statement in table.sqlite_index_statements(""):
                cur.execute(statement)
    tracking.reset(cur, projection.name, position, projection.version)
    tracking.rename_dead_letters(cur, projection.name + REBUILD_SUFFIX, projection.name)
