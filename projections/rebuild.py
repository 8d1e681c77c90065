"""Rebuild: replay the whole log into fresh tables, then swap them in.

Queries keep reading the live tables while the rebuild runs. Several projections rebuilt
together share one pass over the log (each page is read and decoded once). The swap is
one transaction: it locks the live tables, catches up with the events that arrived
meanwhile, replaces the live tables with the fresh ones and sets the positions, so the live
worker carries on from there without skipping or repeating an event.

On PostgreSQL a long log is replayed by several processes at once (``processes``), each
over its share of the cases up to the head seen at the start: every event of a case is in
the same share, so each share folds its cases alone. Each process writes its rows to the
fresh tables itself; the rows of additive tables (the dashboard's counts, which sum over
cases) are handed to this process and added up. The events stored after that head are
replayed here, as before, on top of what every share wrote.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from projections import tracking
from projections.base import Projection, without_cycle_collection
from projections.cursors import Cursor
from projections.engine import ProjectionEngine
from projections.rows import BatchRows, Row
from projections.schema import REBUILD_SUFFIX
from projections.sql import Partition

Progress = Callable[[int, int], None]  # (position reached, head of the log)
# Builds a process's own engine over the same store and projections: given to the
# processes of the other shares (so it must pickle: a module-level function or a partial).
EngineFactory = Callable[[], ProjectionEngine]
# A shorter log is replayed by one process: a share costs a process, its connections and
# a scan of the whole log, which a rebuild of a few seconds does not win back
PARALLEL_FROM = 50_000
MAX_PROCESSES = 4  # the database needs cores too
AdditiveRows = dict[str, dict[str, list[Row]]]  # projection -> table -> rows


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

    def __init__(
        self,
        engine: ProjectionEngine,
        projections: Sequence[Projection],
        partition: Partition | None = None,
    ) -> None:
        self.engine = engine
        self.projections = list(projections)
        self.rows = {
            p.name: BatchRows(None, REBUILD_SUFFIX, empty=True, deferred=True)  # type: ignore[arg-type]
            for p in projections
        }
        self.topics = frozenset().union(*(p.topics() for p in projections))
        self.partition = partition
        self.position = 0
        self.events = 0

    def write_everything(self, cur: Cursor) -> None:
        """Fills the fresh tables with the rows kept in memory (one COPY per table)."""
        for rows in self.rows.values():
            rows.cursor = cur
            rows.flush(final=True)

    def page(self, cur: Cursor, page_size: int) -> bool:
        """Replays the next page into the fresh tables; False at the head of the log (of
        the partition, when replaying one)."""
        notifications = self.engine.db.read_log(self.position, page_size, self.partition)
        if not notifications:
            return False
        items = self.engine.decode(notifications, self.topics)
        for p in self.projections:
            self.engine.apply(cur, p, items, self.rows[p.name], name=p.name + REBUILD_SUFFIX)
        self.position = notifications[-1].id
        self.events += len(notifications)
        return True

    def replay_to_end(self, page_size: int, progress: Progress | None = None) -> None:
        while True:
            with self.engine.db.transaction() as cur:
                more = self.page(cur, page_size)
            if not more:
                return
            if progress is not None:
                progress(self.position, self.engine.head())

    def take_additive(self) -> AdditiveRows:
        return {
            p.name: {t.name: self.rows[p.name].take(t) for t in p.tables if t.additive}
            for p in self.projections
        }

    def add_up(self, found: AdditiveRows) -> None:
        for p in self.projections:
            for table in p.tables:
                if table.additive:
                    self.rows[p.name].add_up(table, found[p.name][table.name])

    def shared_with_others(self) -> None:
        for p in self.projections:
            self.rows[p.name].shared_with_others(p.tables)


def default_processes(engine: ProjectionEngine) -> int:
    """One process per core (at most MAX_PROCESSES) for a long log on PostgreSQL, else one."""
    if engine.db.dialect != "postgres" or engine.head() < PARALLEL_FROM:
        return 1
    return max(1, min(MAX_PROCESSES, os.cpu_count() or 1))


def check_processes(engine: ProjectionEngine, processes: int) -> None:
    """Several processes rebuild on PostgreSQL only (SQLite has one writer)."""
    if processes > 1 and engine.db.dialect != "postgres":
        raise ValueError("a rebuild runs in several processes on PostgreSQL only")


def rebuild(
    engine: ProjectionEngine,
    name: str,
    progress: Progress | None = None,
    page_size: int = 20000,
    *,
    processes: int = 1,
    factory: EngineFactory | None = None,
) -> RebuildReport:
    return rebuild_many(engine, [name], progress, page_size, processes=processes, factory=factory)


def rebuild_many(
    engine: ProjectionEngine,
    names: Sequence[str],
    progress: Progress | None = None,
    page_size: int = 20000,
    *,
    processes: int = 1,
    factory: EngineFactory | None = None,
) -> RebuildReport:
    """Rebuilds the projections ``names`` together; with ``processes`` > 1 (PostgreSQL),
    the log up to its head is replayed in that many shares of the cases at once, the
    other shares in processes that build their engines with ``factory``."""
    check_processes(engine, processes)
    if processes > 1 and factory is None:
        raise ValueError("a rebuild in several processes needs a factory of their engines")
    with without_cycle_collection():
        return _rebuild(engine, names, progress, page_size, processes, factory)


def _rebuild(
    engine: ProjectionEngine,
    names: Sequence[str],
    progress: Progress | None,
    page_size: int,
    processes: int,
    factory: EngineFactory | None,
) -> RebuildReport:
    projections = [engine.projection(n) for n in names]
    started = time.perf_counter()
    for projection in projections:
        _create_fresh_tables(engine, projection)
    replay = _Replay(engine, projections)
    if processes > 1 and factory is not None:
        _replay_in_shares(replay, names, page_size, processes, factory, progress)
    replay.replay_to_end(page_size, progress)
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


@dataclass(frozen=True)
class _ShareDone:
    events: int
    additive: AdditiveRows


def _replay_in_shares(
    replay: _Replay,
    names: Sequence[str],
    page_size: int,
    processes: int,
    factory: EngineFactory,
    progress: Progress | None,
) -> None:
    """The log up to its current head, in ``processes`` shares of the cases at once: share
    0 here, the others in processes of their own. Afterwards ``replay`` holds this share's
    rows and the added-up rows of the additive tables, and reads the rest from the tables."""
    upto = replay.engine.head()
    with ProcessPoolExecutor(processes - 1, mp_context=_start_method()) as pool:
        others = [
            pool.submit(
                _replay_share, factory, tuple(names), Partition(i, processes, upto), page_size
            )
            for i in range(1, processes)
        ]
        replay.partition = Partition(0, processes, upto)
        replay.replay_to_end(page_size, progress)
        done = [share.result() for share in others]
    replay.partition = None
    replay.position = upto
    for share in done:
        replay.events += share.events
        replay.add_up(share.additive)
    with replay.engine.db.transaction() as cur:
        replay.write_everything(cur)  # this share's rows (no other share has their keys)
    replay.shared_with_others()


def _start_method() -> multiprocessing.context.BaseContext:
    """Fork on Linux: a share's process starts at once (spawning one imported the whole
    system first, about 0.6 s, and this process sat idle that long waiting for its share
    at the end). The forked process touches nothing it inherited: it builds its own engine
    and connections with the factory, and multiprocessing ends it with ``os._exit``, so no
    inherited connection is closed under this process. Elsewhere: spawn."""
    return multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")


def _replay_share(
    factory: EngineFactory, names: tuple[str, ...], partition: Partition, page_size: int
) -> _ShareDone:
    """In a process of its own: one share of the cases replayed and written to the fresh
    tables, except the additive tables' rows, which it returns."""
    engine = factory()
    try:
        with without_cycle_collection():
            replay = _Replay(engine, [engine.projection(n) for n in names], partition)
            replay.replay_to_end(page_size)
            additive = replay.take_additive()
            with engine.db.transaction() as cur:
                replay.write_everything(cur)
            return _ShareDone(replay.events, additive)
    finally:
        engine.db.close()


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
