"""One connection to the read-model database (the same database as the event store).

PostgreSQL through psycopg 3, or the SQLite file of the embedded default. SQL is written
once with ``%s`` placeholders; for SQLite they become ``?``. Both dialects support
``INSERT ... ON CONFLICT ... DO UPDATE`` and savepoints, which is all the projections need.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification
from psycopg.conninfo import make_conninfo

from projections.cursors import Cursor, Params, PgCursor, SqliteCursor


@dataclass(frozen=True)
class ViewConfig:
    """Where the read models are and how long a writer waits for the SQLite file's lock:
    what the read models need of the settings (made by the composition root,
    ``infra/container.py``)."""

    dialect: str  # "postgres" or "sqlite" (another store has no read models)
    dsn: str = ""  # a libpq connection string (PostgreSQL)
    path: str = ""  # the SQLite file (made private by the root before it is opened)
    busy_seconds: float = 5.0


@dataclass(frozen=True)
class Partition:
    """Share ``index`` of ``count`` of the cases (split by case id), read up to ``upto``:
    every event of a case falls in the same share."""

    index: int
    count: int
    upto: int


class ViewDatabase:
    """A single connection, used by one thread at a time (a lock guards it)."""

    dialect: str

    def __init__(
        self,
        config: ViewConfig,
        events_table: str = "bolashak_events",
        *,
        lock_timeout: float | None = None,
    ) -> None:
        """``events_table``: the library's table of stored events (its name depends on the
        backend: ``bolashak_events`` on PostgreSQL, ``stored_events`` on SQLite).
        ``lock_timeout``: seconds a PostgreSQL statement waits for a table lock before it
        fails (a reader of the API behind a rebuild's swap or a migration, say)."""
        self.events_table = events_table
        self._lock = threading.RLock()
        if config.dialect == "postgres":
            self.dialect = "postgres"
            waits = {} if lock_timeout is None else {"options": f"-c lock_timeout={lock_timeout}s"}
            self._dsn = make_conninfo(config.dsn, **waits)
            self._pg: psycopg.Connection[Any] | None = psycopg.connect(self._dsn, autocommit=True)
            self._sqlite: sqlite3.Connection | None = None
        elif config.dialect == "sqlite":
            self.dialect = "sqlite"
            self._pg = None
            self._sqlite = sqlite3.connect(
                config.path,
                timeout=max(config.busy_seconds, 1),
                isolation_level=None,
                check_same_thread=False,
            )
            self._sqlite.execute("PRAGMA journal_mode=WAL")
            self._sqlite.execute("PRAGMA synchronous=NORMAL")
        else:
            raise ValueError(f"read models need PostgreSQL or SQLite, not {config.dialect}")

    def _live(self) -> psycopg.Connection[Any]:
        """The PostgreSQL connection, opened again if a server restart broke it: the
        statement that found it broken failed (the caller's loop retries), the next one
        runs on a new connection."""
        assert self._pg is not None
        if self._pg.closed or self._pg.broken:
            self._pg = psycopg.connect(self._dsn, autocommit=True)
        return self._pg

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """One atomic unit: everything inside commits together or not at all."""
        with self._lock:
            if self._pg is not None:
                pg = self._live()
                with pg.transaction(), pg.cursor() as cur:
                    yield PgCursor(cur)
                return
            assert self._sqlite is not None
            lite = self._sqlite.cursor()
            lite.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteCursor(lite)
            except BaseException:
                lite.execute("ROLLBACK")
                raise
            lite.execute("COMMIT")

    @contextmanager
    def savepoint(self, cursor: Cursor, name: str) -> Iterator[None]:
        cursor.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            cursor.execute(f"ROLLBACK TO SAVEPOINT {name}")
            cursor.execute(f"RELEASE SAVEPOINT {name}")
            raise
        cursor.execute(f"RELEASE SAVEPOINT {name}")

    def query(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """One statement, read on its own snapshot: no transaction round trips on
        PostgreSQL, and no write lock on SQLite (where ``transaction`` takes it)."""
        with self._lock:
            if self._pg is not None:
                with self._live().cursor() as pg:
                    cur: Cursor = PgCursor(pg)
                    cur.execute(sql, params)
                    return cur.fetchall()
            assert self._sqlite is not None
            lite = self._sqlite.cursor()
            try:
                cur = SqliteCursor(lite)
                cur.execute(sql, params)
                return cur.fetchall()
            finally:
                lite.close()

    def read_log(
        self, after: int, limit: int, partition: Partition | None = None
    ) -> list[Notification]:
        """The next ``limit`` notifications after position ``after``, in log order; with
        ``partition``, only those of its share of the cases, up to its ``upto`` position.

        Reads the library's events table directly (binary rows on PostgreSQL): the
        library's own reader builds a dict per row, which costs more than decoding.
        """
        with self._lock:
            if self._pg is not None:
                with self._live().cursor(binary=True) as cur:
                    params: tuple[int, ...]
                    if partition is None:
                        sql, params = _PG_LOG, (after, limit)
                    else:
                        sql = _PG_LOG_PARTITION
                        params = (after, partition.upto, partition.count, partition.index, limit)
                    cur.execute(sql.format(self.events_table).encode(), params, prepare=True)
                    rows = cur.fetchall()
                return [
                    Notification(
                        id=r[0], originator_id=r[1], originator_version=r[2], topic=r[3], state=r[4]
                    )
                    for r in rows
                ]
            if partition is not None:
                raise ValueError("the log is read in partitions on PostgreSQL only")
            assert self._sqlite is not None
            found = self._sqlite.execute(
                _SQLITE_LOG.format(self.events_table), (after, limit)
            ).fetchall()
            return [
                Notification(
                    id=r[0],
                    originator_id=UUID(r[1]),
                    originator_version=r[2],
                    topic=r[3],
                    state=r[4],
                )
                for r in found
            ]

    def cases_with(self, topic: str, after: int, upto: int) -> list[UUID]:
        """The cases of the events of ``topic`` stored after position ``after``, up to
        ``upto`` (a range of the log's index: a few rows between two polls)."""
        sql = _PG_CASES_WITH if self.dialect == "postgres" else _SQLITE_CASES_WITH
        rows = self.query(sql.format(self.events_table), (after, upto, topic))
        return [r[0] if isinstance(r[0], UUID) else UUID(str(r[0])) for r in rows]

    def log_head(self) -> int:
        """The position of the last event stored (0 for an empty log)."""
        head = _PG_HEAD if self.dialect == "postgres" else _SQLITE_HEAD
        rows = self.query(head.format(self.events_table))
        return int(rows[0][0] or 0) if rows else 0

    def close(self) -> None:
        with self._lock:
            if self._pg is not None:
                self._pg.close()
            if self._sqlite is not None:
                self._sqlite.close()


_PG_LOG = (
    "SELECT notification_id, originator_id, originator_version, topic, state"
    " FROM {} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
)
# The cases of partition ``index`` of ``count``: by the last byte of their id (random)
_PG_LOG_PARTITION = (
    "SELECT notification_id, originator_id, originator_version, topic, state"
    " FROM {} WHERE notification_id > %s AND notification_id <= %s"
    " AND get_byte(uuid_send(originator_id), 15) %% %s = %s"
    " ORDER BY notification_id LIMIT %s"
)
_SQLITE_LOG = (
    "SELECT rowid, originator_id, originator_version, topic, state"
    " FROM {} WHERE rowid > ? ORDER BY rowid LIMIT ?"
)
_PG_CASES_WITH = (
    "SELECT originator_id FROM {} WHERE notification_id > %s AND notification_id <= %s"
    " AND topic = %s"
)
_SQLITE_CASES_WITH = "SELECT originator_id FROM {} WHERE rowid > %s AND rowid <= %s AND topic = %s"
_PG_HEAD = "SELECT max(notification_id) FROM {}"
_SQLITE_HEAD = "SELECT max(rowid) FROM {}"
