"""Follows the event store's notification log and keeps the read models up to date.

Each page of the log is read and decoded once and given to every projection; each
projection writes its rows and its new position in one transaction (all projections of a
page share it). An event a projection cannot process is parked as a dead letter with the
error, and so is every later event of the same case, until an operator retries them.
The worker that follows the log with it is ``infra/log_follower.py``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol
from uuid import UUID

from eventsourcing.persistence import Mapper, Notification

from domain.case.events import CaseEvent
from projections import tracking
from projections.base import Projection, without_cycle_collection
from projections.cursors import Cursor
from projections.rows import BatchRows, Key
from projections.schema import Table
from projections.sql import ViewDatabase
from projections.tracking import LogEntry

log = logging.getLogger(__name__)


class EventReader(Protocol):
    """What the engine needs of the event store: its mapper, to decode the log's
    notifications (the store is infra's ``CaseEvents``; the log itself is read through
    ``ViewDatabase``)."""

    @property
    def mapper(self) -> Mapper[UUID]: ...


class Item(NamedTuple):
    """One notification of the log, decoded (or the error that decoding raised)."""

    entry: LogEntry
    topic: str
    event: CaseEvent | Exception


class ProjectionFailedError(Exception):
    """The projection's fold raised on an event (a bug or unexpected data)."""


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    head: int
    dead_letters: int
    version: int
    expected_version: int

    @property
    def lag(self) -> int:
        return max(0, self.head - self.position)

    @property
    def needs_rebuild(self) -> bool:
        return self.version != self.expected_version


class ProjectionEngine:
    def __init__(
        self,
        reader: EventReader,
        db: ViewDatabase,
        projections: Sequence[Projection],
        *,
        page_size: int = 2000,
    ) -> None:
        self.reader = reader
        self.db = db
        self.projections = list(projections)
        self.page_size = page_size
        self._topics = frozenset().union(*(p.topics() for p in self.projections))

    # -- schema --------------------------------------------------------------------------

    def create_tables(self) -> list[str]:
        """Creates the tables of every projection; returns the names of those whose tables
        were made by another version of their fold (``Projection.version``), which are left
        as they are (a table of the current fold they lack is made, so that every table a
        rebuild locks and swaps exists): ``rebuild_many`` replaces them with tables of the
        current shape."""
        with self.db.transaction() as cur:
            tracking.create_tables(cur)
            known = tracking.positions(cur)
            stale = [
                p.name
                for p in self.projections
                if p.name in known and known[p.name][1] != p.version
            ]
            for projection in self.projections:
                if projection.name in stale:  # a table the older fold did not have is made
                    for table in projection.tables:  # (bare: the rebuild replaces it)
                        cur.execute(table.create_statements(self.db.dialect, with_indexes=False)[0])
                    continue
                tracking.ensure(cur, projection.name, projection.version)
                for table in projection.tables:
                    for statement in table.create_statements(self.db.dialect):
                        cur.execute(statement)
        return stale

    # -- processing ----------------------------------------------------------------------

    def run_once(self) -> int:
        """Processes one page of the log; returns how many notifications it consumed."""
        with without_cycle_collection():
            return self._run_page()

    def _run_page(self) -> int:
        with self.db.transaction() as cur:
            known = tracking.positions(cur)
        mine = {p.name: known[p.name][0] for p in self.projections}
        notifications = self.db.read_log(min(mine.values()), self.page_size)
        if not notifications:
            return 0
        items = self.decode(notifications)
        last = notifications[-1].id
        try:
            with self.db.transaction() as cur:
                for projection in self.projections:
                    if mine[projection.name] >= last:
                        continue
                    todo = [i for i in items if i.entry.position > mine[projection.name]]
                    self.apply(cur, projection, todo)
                    tracking.advance(cur, projection.name, mine[projection.name], last)
        except tracking.TrackingConflictError as e:
            log.info("batch rolled back: %s", e)
            return 0
        return len(notifications)

    def run_until_head(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Processes the log up to its current head; returns notifications consumed."""
        done = 0
        while True:
            consumed = self.run_once()
            done += consumed
            if progress is not None:
                progress(done, self.head())
            if consumed == 0:
                return done

    def decode(
        self, notifications: Sequence[Notification], topics: frozenset[str] | None = None
    ) -> list[Item]:
        """The notifications of ``topics`` (by default those of any projection), decoded."""
        wanted = self._topics if topics is None else topics
        items: list[Item] = []
        for n in notifications:
            if n.topic not in wanted:
                continue
            entry = LogEntry(n.id, n.originator_id, n.originator_version, n.topic)  # type: ignore[arg-type]
            try:
                event: CaseEvent | Exception = self.reader.mapper.to_domain_event(n)  # type: ignore[assignment]
            except Exception as e:  # a stored event that no longer decodes: park it
                event = e
            items.append(Item(entry, n.topic, event))
        return items

    def apply(
        self,
        cur: Cursor,
        projection: Projection,
        items: Sequence[Item],
        rows: BatchRows | None = None,
        *,
        name: str = "",
    ) -> list[LogEntry]:
        """Applies the projection's events; parks what fails (under ``name``, by default the
        projection's own). Returns what was parked."""
        name = name or projection.name
        topics = projection.topics()
        items = [i for i in items if i.topic in topics]
        if not items:
            return []
        parked = tracking.parked_cases(cur, name)
        if not parked:
            try:
                with self.db.savepoint(cur, "batch"):
                    self._fold(cur, projection, items, rows)
                return []
            except ProjectionFailedError:
                pass  # find the failing event: one by one
        return self._one_by_one(cur, projection, items, parked, rows, name)

    def _fold(
        self, cur: Cursor, projection: Projection, items: Sequence[Item], rows: BatchRows | None
    ) -> None:
        rows = rows or BatchRows(cur)
        rows.cursor = cur
        decoded: list[tuple[int, CaseEvent]] = []
        for item in items:
            if isinstance(item.event, Exception):
                raise ProjectionFailedError(f"event does not decode: {item.event}") from item.event
            decoded.append((item.entry.position, item.event))
        wanted: dict[Table, list[Key]] = defaultdict(list)
        for _, event in decoded:
            for table, key in projection.keys(event):
                wanted[table].append(key)
        for table, keys in wanted.items():
            rows.prefetch(table, keys)
        rows.begin()
        for position, event in decoded:
            try:
                projection.apply(rows, event, position)
            except Exception as e:
                rows.rollback()  # the database rolls back to the savepoint: so does the cache
                raise ProjectionFailedError(f"{type(e).__name__}: {e}") from e
        rows.flush()

    def _one_by_one(
        self,
        cur: Cursor,
        projection: Projection,
        items: Sequence[Item],
        parked: set[str],
        rows: BatchRows | None,
        name: str,
    ) -> list[LogEntry]:
        failed: list[LogEntry] = []
        for item in items:
            entry = item.entry
            if entry.application_id in parked:
                error: Exception = ProjectionFailedError("waits behind a parked event of this case")
            else:
                try:
                    with self.db.savepoint(cur, "one"):
                        self._fold(cur, projection, [item], rows)
                    continue
                except ProjectionFailedError as e:
                    error = e.__cause__ if isinstance(e.__cause__, Exception) else e
                parked.add(entry.application_id)
            tracking.park(cur, name, entry, error)
            failed.append(entry)
            log.warning(
                "%s parked %s v%s (%s): %s",
                name,
                entry.application_id,
                entry.event_version,
                entry.event_type,
                error,
            )
        return failed

    def retry(self, name: str) -> tuple[int, int]:
        """Re-processes a projection's parked events, case by case in log order.

        Returns (events now processed, events still parked).
        """
        projection = self.projection(name)
        with self.db.transaction() as cur:
            letters = tracking.dead_letters(cur, name)
        done = 0
        for case_id in dict.fromkeys(letter.application_id for letter in letters):
            mine = [letter for letter in letters if letter.application_id == case_id]
            notes = [self._notification(letter.position) for letter in mine]
            items = self.decode([n for n in notes if n is not None])
            with self.db.transaction() as cur:
                try:
                    with self.db.savepoint(cur, "retry"):
                        self._fold(cur, projection, items, None)
                        tracking.resolve(cur, name, [letter.position for letter in mine])
                    done += len(mine)
                except ProjectionFailedError as e:
                    cause = e.__cause__ if isinstance(e.__cause__, Exception) else e
                    tracking.park(cur, name, items[0].entry, cause)
        with self.db.transaction() as cur:
            remaining = len(tracking.dead_letters(cur, name))
        return done, remaining

    def _notification(self, position: int) -> Notification | None:
        found = self.db.read_log(position - 1, 1)
        return found[0] if found and found[0].id == position else None

    # -- status --------------------------------------------------------------------------

    def head(self) -> int:
        return self.db.log_head()

    def status(self) -> list[ProjectionStatus]:
        head = self.head()
        with self.db.transaction() as cur:
            known = tracking.positions(cur)
            letters = tracking.dead_letters(cur)
        return [
            ProjectionStatus(
                name=p.name,
                position=known.get(p.name, (0, 0))[0],
                head=head,
                dead_letters=sum(1 for x in letters if x.name == p.name),
                version=known.get(p.name, (0, 0))[1],
                expected_version=p.version,
            )
            for p in self.projections
        ]

    def projection(self, name: str) -> Projection:
        for projection in self.projections:
            if projection.name == name:
                return projection
        known = ", ".join(p.name for p in self.projections)
        raise KeyError(f"no projection named {name!r} (known: {known})")
