"""The rows a batch of events touches: loaded once, changed in memory, written back once.

A projection reads and changes rows through ``Rows``. ``BatchRows`` loads the rows a batch
will touch with one query per table, and writes the changed ones back with one upsert per
table, inside the batch's transaction. ``MemoryRows`` keeps every row in dictionaries: the
same projection code over it is the plain fold that tests compare the database with.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Protocol

from projections.schema import Table
from projections.sql import Cursor

Key = tuple[Any, ...]
Row = dict[str, Any]
_DELETED: Row = {}


class Rows(Protocol):
    def get(self, table: Table, key: Key) -> Row | None: ...
    def put(self, table: Table, row: Row) -> None: ...
    def delete(self, table: Table, key: Key) -> None: ...
    def append(self, table: Table, row: Row) -> None: ...


def key_of(table: Table, row: Row) -> Key:
    return tuple(row[c] for c in table.key)


class MemoryRows:
    """Every row in memory: the plain fold."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[Key, Row]] = defaultdict(dict)
        self.appended: dict[str, list[Row]] = defaultdict(list)

    def get(self, table: Table, key: Key) -> Row | None:
        row = self.tables[table.name].get(key)
        return dict(row) if row is not None else None

    def put(self, table: Table, row: Row) -> None:
        self.tables[table.name][key_of(table, row)] = dict(row)

    def delete(self, table: Table, key: Key) -> None:
        self.tables[table.name].pop(key, None)

    def append(self, table: Table, row: Row) -> None:
        self.appended[table.name].append(dict(row))


class BatchRows:
    """A batch's working set over the database, for tables named with ``suffix``."""

    def __init__(self, cursor: Cursor, suffix: str = "", *, empty: bool = False) -> None:
        self.cursor = cursor
        self.suffix = suffix
        self.empty = empty  # a rebuild into fresh tables: nothing to load for new keys
        self.cache: dict[str, dict[Key, Row]] = defaultdict(dict)
        self.dirty: dict[str, set[Key]] = defaultdict(set)
        self.appended: dict[str, list[Row]] = defaultdict(list)
        self.tables: dict[str, Table] = {}

    def prefetch(self, table: Table, keys: Iterable[Key]) -> None:
        """Loads the rows of ``keys`` not loaded yet, with one query."""
        self.tables[table.name] = table
        cached = self.cache[table.name]
        wanted = [k for k in dict.fromkeys(keys) if k not in cached]
        for k in wanted:
            cached[k] = _DELETED
        if not wanted or self.empty:
            return
        for row in self._select(table, wanted):
            cached[key_of(table, row)] = row

    def get(self, table: Table, key: Key) -> Row | None:
        if key not in self.cache[table.name]:
            self.prefetch(table, [key])
        row = self.cache[table.name][key]
        return dict(row) if row is not _DELETED else None

    def put(self, table: Table, row: Row) -> None:
        self.tables[table.name] = table
        key = key_of(table, row)
        self.cache[table.name][key] = dict(row)
        self.dirty[table.name].add(key)

    def delete(self, table: Table, key: Key) -> None:
        self.tables[table.name] = table
        self.cache[table.name][key] = _DELETED
        self.dirty[table.name].add(key)

    def append(self, table: Table, row: Row) -> None:
        self.tables[table.name] = table
        self.appended[table.name].append(row)

    def forget(self) -> None:
        """Drops unwritten changes and everything cached: later reads go to the database."""
        self.cache.clear()
        self.dirty.clear()
        self.appended.clear()
        self.empty = False

    def flush(self) -> None:
        """Writes every changed row back: one upsert, one delete, one insert per table."""
        for name, keys in self.dirty.items():
            table = self.tables[name]
            rows = [self.cache[name][k] for k in keys]
            self._upsert(table, [r for r in rows if r is not _DELETED])
            self._delete(table, [k for k in keys if self.cache[name][k] is _DELETED])
        for name, rows in self.appended.items():
            self._insert(self.tables[name], rows)
        self.dirty.clear()
        self.appended.clear()

    def _select(self, table: Table, keys: list[Key]) -> list[Row]:
        columns = table.column_names
        found: list[Row] = []
        for chunk in _chunks(keys, 500):
            where = (
                " OR ".join("(" + " AND ".join(f"{c} = %s" for c in table.key) + ")" for _ in chunk)
                if len(table.key) > 1
                else f"{table.key[0]} IN ({', '.join(['%s'] * len(chunk))})"
            )
            params = [v for k in chunk for v in k]
            self.cursor.execute(
                f"SELECT {', '.join(columns)} FROM {table.physical(self.suffix)} WHERE {where}",
                params,
            )
            found.extend(dict(zip(columns, r, strict=True)) for r in self.cursor.fetchall())
        return found

    def _upsert(self, table: Table, rows: list[Row]) -> None:
        columns = table.column_names
        self.cursor.upsert_rows(
            table.physical(self.suffix),
            columns,
            table.key,
            [tuple(r.get(c) for c in columns) for r in rows],
        )

    def _delete(self, table: Table, keys: list[Key]) -> None:
        if keys:
            where = " AND ".join(f"{c} = %s" for c in table.key)
            self.cursor.executemany(
                f"DELETE FROM {table.physical(self.suffix)} WHERE {where}", keys
            )

    def _insert(self, table: Table, rows: list[Row]) -> None:
        columns = table.column_names
        self.cursor.insert_rows(
            table.physical(self.suffix), columns, [tuple(r.get(c) for c in columns) for r in rows]
        )


def _chunks(items: list[Key], size: int) -> Iterable[list[Key]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
