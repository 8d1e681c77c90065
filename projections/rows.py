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

from projections.cursors import Cursor
from projections.schema import Table

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
    """A working set over the database, for tables named with ``suffix``.

    Changes of one fold (a batch of events) can be undone in memory (``begin`` /
    ``rollback``), in step with the savepoint the database rolls back to. A rebuild keeps
    its working set for the whole replay and defers the keyed tables' writes to the end
    (``deferred``): the fresh tables are then filled with one COPY each.
    """

    def __init__(
        self, cursor: Cursor, suffix: str = "", *, empty: bool = False, deferred: bool = False
    ) -> None:
        self.cursor = cursor
        self.suffix = suffix
        self.empty = empty  # a rebuild into fresh tables: nothing to load for new keys
        self.deferred = deferred
        self.cache: dict[str, dict[Key, Row]] = defaultdict(dict)
        self.dirty: dict[str, set[Key]] = defaultdict(set)
        self.appended: dict[str, list[Row]] = defaultdict(list)
        self.tables: dict[str, Table] = {}
        self._journal: dict[tuple[str, Key], Row | None] = {}
        self._appended_at: dict[str, int] = {}
        self._written: set[str] = set()  # keyed tables written to at least once

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
        """The row itself (not a copy): change it and ``put`` it back."""
        cached = self.cache[table.name]
        if key not in cached:
            self.prefetch(table, [key])
        self._remember(table.name, key)
        row = cached[key]
        return row if row is not _DELETED else None

    def put(self, table: Table, row: Row) -> None:
        self.tables[table.name] = table
        key = key_of(table, row)
        self._remember(table.name, key)
        self.cache[table.name][key] = row
        self.dirty[table.name].add(key)

    def delete(self, table: Table, key: Key) -> None:
        self.tables[table.name] = table
        self._remember(table.name, key)
        self.cache[table.name][key] = _DELETED
        self.dirty[table.name].add(key)

    def append(self, table: Table, row: Row) -> None:
        self.tables[table.name] = table
        self._appended_at.setdefault(table.name, len(self.appended[table.name]))
        self.appended[table.name].append(row)

    # -- undo ----------------------------------------------------------------------------

    def begin(self) -> None:
        self._journal.clear()
        self._appended_at.clear()

    def rollback(self) -> None:
        """Undoes every change since ``begin`` (the database rolled back to its savepoint)."""
        for (name, key), old in self._journal.items():
            if old is None:
                self.cache[name].pop(key, None)
            else:
                self.cache[name][key] = old
        for name, length in self._appended_at.items():
            del self.appended[name][length:]
        self.begin()

    def _remember(self, name: str, key: Key) -> None:
        if (name, key) not in self._journal:
            old = self.cache[name].get(key)
            self._journal[(name, key)] = dict(old) if old else old

    # -- partitions ----------------------------------------------------------------------

    def take(self, table: Table) -> list[Row]:
        """Removes a table's rows from the working set and returns them (a rebuild's
        partition hands its additive rows to the process that adds them up)."""
        cached = self.cache.pop(table.name, {})
        self.dirty.pop(table.name, None)
        return [row for row in cached.values() if row is not _DELETED]

    def add_up(self, table: Table, rows: Iterable[Row]) -> None:
        """Adds rows of an additive table, column by column, to the rows of the same key."""
        if not table.additive:
            raise ValueError(f"{table.name} is not additive: its rows cannot be added up")
        sums = [c for c in table.column_names if c not in table.key]
        for row in rows:
            mine = self.get(table, key_of(table, row))
            if mine is None:
                self.put(table, dict(row))
                continue
            for column in sums:
                mine[column] = (mine[column] or 0) + (row[column] or 0)
            self.put(table, mine)

    def shared_with_others(self, tables: Iterable[Table]) -> None:
        """The fresh tables now hold rows this working set never saw (written by the
        other partitions of a rebuild): what is missing is loaded from them, and every
        later write is an upsert."""
        self.empty = False
        self._written.update(t.name for t in tables)

    # -- writing -------------------------------------------------------------------------

    def flush(self, *, final: bool = False) -> None:
        """Writes what changed. Deferred: only appended rows, until the ``final`` flush."""
        if not self.deferred or final:
            for name, keys in self.dirty.items():
                self._write_keyed(self.tables[name], keys)
            self.dirty.clear()
        for name, rows in self.appended.items():
            self._insert(self.tables[name], rows)
        self.appended.clear()
        self.begin()

    def _write_keyed(self, table: Table, keys: set[Key]) -> None:
        cached = self.cache[table.name]
        rows = [cached[k] for k in keys if cached[k] is not _DELETED]
        if self.deferred and table.name not in self._written:
            self._insert(table, rows)  # the fresh table is empty: no conflict possible
        else:
            self._upsert(table, rows)
            self._delete(table, [k for k in keys if cached[k] is _DELETED])
        self._written.add(table.name)

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
            _values(rows, columns),
        )

    def _delete(self, table: Table, keys: list[Key]) -> None:
        if keys:
            where = " AND ".join(f"{c} = %s" for c in table.key)
            self.cursor.executemany(
                f"DELETE FROM {table.physical(self.suffix)} WHERE {where}", keys
            )

    def _insert(self, table: Table, rows: list[Row]) -> None:
        columns = table.column_names
        self.cursor.insert_rows(table.physical(self.suffix), columns, _values(rows, columns))


def _values(rows: list[Row], columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Each row's values in the table's column order (None for a column it does not set)."""
    return [tuple(map(r.get, columns)) for r in rows]  # map: no Python frame per value


def _chunks(items: list[Key], size: int) -> Iterable[list[Key]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
