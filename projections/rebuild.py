"""Rebuild: replay the whole log into fresh tables, then swap them in.

Queries keep reading the live tables while the rebuild runs. Several projections rebuilt
together share one pass over the log (each page is read and decoded once). The swap is
one transaction: it locks the live tables, catches up with the events that arrived
meanwhile, replaces the live tables with the fresh ones and sets the positions, so the live
worker carries on from there without skipping or repeating an event.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from projections import tracking
from projections.base import Projection, without_cycle_collection
from projections.engine import ProjectionEngine
from projections.rows import BatchRows
from projections.schema import REBUILD_SUFFIX
from projections.sql import Cursor

Progress = Callable[[int, int], None]  # (position reached, head of the log)


@dataclass(frozen=True)
class RebuildReport:
    names: tuple[str, ...]
    events: int
    position: int
    seconds: float
    parked: int

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class _Replay:
    """The projections being rebuilt, each with every row it wrote kept in memory."""

    def __init__(self, engine: ProjectionEngine, projections: Sequence[Projection]) -> None:
        self.engine = engine
        self.projections = list(projections)
        self.rows = {
            p.name: BatchRows(None, REBUILD_SUFFIX, empty=True, deferred=True)  # type: ignore[arg-type]
            for p in projections
        }
        self.position = 0
        self.events = 0

    def write_everything(self, cur: Cursor) -> None:
        """Fills the fresh tables with the rows kept in memory (one COPY per table)."""
        for rows in self.rows.values():
            rows.cursor = cur
            rows.flush(final=True)

    def page(self, cur: Cursor, page_size: int) -> bool:
        """Replays the next page into the fresh tables; False at the head of the log."""
        notifications = self.engine.db.read_log(self.position, page_size)
        if not notifications:
            return False
        items = self.engine.decode(notifications)
        for p in self.projections:
            self.engine.apply(cur, p, items, self.rows[p.name], name=p.name + REBUILD_SUFFIX)
        self.position = notifications[-1].id
        self.events += len(notifications)
        return True


def rebuild(
    engine: ProjectionEngine, name: str, progress: Progress | None = None, page_size: int = 20000
) -> RebuildReport:
    return rebuild_many(engine, [name], progress, page_size)


def rebuild_many(
    engine: ProjectionEngine,
    names: Sequence[str],
    progress: Progress | None = None,
    page_size: int = 20000,
) -> RebuildReport:
    with without_cycle_collection():
        return _rebuild(engine, names, progress, page_size)


def _rebuild(
    engine: ProjectionEngine, names: Sequence[str], progress: Progress | None, page_size: int
) -> RebuildReport:
    projections = [engine.projection(n) for n in names]
    started = time.perf_counter()
    for projection in projections:
        _create_fresh_tables(engine, projection)
    replay = _Replay(engine, projections)
    while True:
        with engine.db.transaction() as cur:
            more = replay.page(cur, page_size)
        if not more:
            break
        if progress is not None:
            progress(replay.position, engine.head())
    with engine.db.transaction() as cur:
        replay.write_everything(cur)  # before the lock: queries are not held up by it
    _index_fresh_tables(engine, projections)
    with engine.db.transaction() as cur:
        for projection in projections:
            _lock_live(engine, cur, projection)
        while replay.page(cur, page_size):
            pass
        replay.write_everything(cur)
        for projection in projections:
            _swap(engine, cur, projection, replay.position)
        parked = sum(len(tracking.dead_letters(cur, p.name)) for p in projections)
    return RebuildReport(
        tuple(names), replay.events, replay.position, time.perf_counter() - started, parked
    )


def _create_fresh_tables(engine: ProjectionEngine, projection: Projection) -> None:
    with engine.db.transaction() as cur:
        tracking.ensure(cur, projection.name, projection.version)
        cur.execute(
            "DELETE FROM projection_dead_letters WHERE name = %s",
            (projection.name + REBUILD_SUFFIX,),
        )
        for table in projection.tables:
            cur.execute(table.drop_statement(REBUILD_SUFFIX))
            statements = table.create_statements(
                engine.db.dialect, REBUILD_SUFFIX, with_indexes=False
            )  # indexes come after the bulk load: built once, not row by row
            for statement in statements:
                cur.execute(statement)


def _index_fresh_tables(engine: ProjectionEngine, projections: Sequence[Projection]) -> None:
    """PostgreSQL: the indexes, built once over the loaded rows, and fresh planner
    statistics (a bulk-loaded table has none, and the planner would pick poor plans until
    autovacuum came by). SQLite builds its indexes at the swap, under their final names."""
    if engine.db.dialect != "postgres":
        return
    with engine.db.transaction() as cur:
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for projection in projections:
            for table in projection.tables:
                for statement in table.index_statements(REBUILD_SUFFIX):
                    cur.execute(statement)
                cur.execute(f"ANALYZE {table.physical(REBUILD_SUFFIX)}")


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
