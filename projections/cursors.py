"""The two dialects' cursors behind one protocol: SQL is written once with ``%s``
placeholders (for SQLite they become ``?``); many rows are inserted with COPY on
PostgreSQL and ``executemany`` on SQLite, and upserted by primary key with ``INSERT ... ON
CONFLICT ... DO UPDATE``, which both dialects support."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, Protocol

import psycopg

Params = Sequence[Any]


class Cursor(Protocol):
    def execute(self, sql: str, params: Params = ()) -> None: ...
    def executemany(self, sql: str, rows: Sequence[Params]) -> None: ...
    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Params]) -> None:
        """Inserts many rows at once (COPY on PostgreSQL)."""

    def upsert_rows(
        self, table: str, columns: Sequence[str], key: Sequence[str], rows: Sequence[Params]
    ) -> None:
        """Inserts or replaces many rows at once, by primary key."""

    def fetchall(self) -> list[tuple[Any, ...]]: ...
    def fetchone(self) -> tuple[Any, ...] | None: ...
    @property
    def rowcount(self) -> int: ...


class PgCursor:
    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Params = ()) -> None:
        self._cursor.execute(sql.encode(), params or None)  # bytes: no template parsing

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Params]) -> None:
        if rows:
            statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with self._cursor.copy(statement.encode()) as copy:
                for row in rows:
                    copy.write_row(row)

    def upsert_rows(
        self, table: str, columns: Sequence[str], key: Sequence[str], rows: Sequence[Params]
    ) -> None:
        """COPY into a session-private staging table, then one INSERT ... ON CONFLICT."""
        if not rows:
            return
        stage = f"stage__{table}"
        self.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table}) ON COMMIT DELETE ROWS"
        )
        self.insert_rows(stage, columns, rows)
        names = ", ".join(columns)
        self.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage} "
            f"ON CONFLICT ({', '.join(key)}) {_on_conflict(columns, key)}"
        )
        self.execute(f"DELETE FROM {stage}")

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        if rows:
            self._cursor.executemany(sql.encode(), rows)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall()

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cursor.fetchone()

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


class SqliteCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Params = ()) -> None:
        self._cursor.execute(sql.replace("%s", "?"), tuple(params))

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Params]) -> None:
        marks = ", ".join("?" * len(columns))
        self._cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
        )

    def upsert_rows(
        self, table: str, columns: Sequence[str], key: Sequence[str], rows: Sequence[Params]
    ) -> None:
        marks = ", ".join("?" * len(columns))
        self._cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) "
            f"ON CONFLICT ({', '.join(key)}) {_on_conflict(columns, key)}",
            rows,
        )

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        if rows:
            self._cursor.executemany(sql.replace("%s", "?"), [tuple(r) for r in rows])

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall()

    def fetchone(self) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._cursor.fetchone()
        return row

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


def _on_conflict(columns: Sequence[str], key: Sequence[str]) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
