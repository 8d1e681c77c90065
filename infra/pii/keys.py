"""The table of per-case data keys, in the event store's own database.

``applicant_keys(seq, application_id, wrapped, created_at, erased_at)``: one row per case
that ever held personal data. ``wrapped`` is the case's data key encrypted with the master
key (``infra/pii/sealer.py``); erasure sets it to NULL and records ``erased_at``, and the
row stays as the record that a key existed and when it was destroyed.
"""

from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from infra.event_store import retried_within_budget
from infra.retrying import within_budget
from projections.case_list import KEYS_TABLE

TABLE = KEYS_TABLE  # the case list's personal data joins it (projections/queries/cases.py)
log = logging.getLogger(__name__)
POSTGRES_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " seq bigserial NOT NULL,"
    " application_id uuid PRIMARY KEY,"
    " wrapped bytea,"
    " created_at timestamptz NOT NULL DEFAULT now(),"
    " erased_at timestamptz)"
)
SQLITE_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " application_id TEXT NOT NULL UNIQUE,"
    " wrapped BLOB,"
    " created_at TEXT NOT NULL,"
    " erased_at TEXT)"
)


@dataclass(frozen=True)
class KeyRow:
    seq: int
    application_id: UUID
    wrapped: bytes | None  # None: erased


class KeyStore(Protocol):
    def create_table(self) -> None: ...

    def insert_or_get(self, application_id: UUID, wrapped: bytes) -> KeyRow:
        """Stores a new wrapped key unless the case has one already; the case's row."""
        ...

    def get(self, application_id: UUID) -> KeyRow | None: ...

    def since(self, seq: int) -> list[KeyRow]:
        """Every row after ``seq``, in order (for loading keys in bulk)."""
        ...

    def erase(self, application_id: UUID) -> bool:
        """Deletes the wrapped key (the row stays, with ``erased_at``); True if it did."""
        ...


class _Transactions(Protocol):
    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]: ...

    def get_connection(self) -> AbstractContextManager[Any]: ...


class SqlKeyStore:
    """The key table on the library's own datastore (PostgreSQL or SQLite) and its pool."""

    def __init__(self, datastore: _Transactions, *, postgres: bool) -> None:
        self.datastore = datastore
        self.postgres = postgres
        self._p = "%s" if postgres else "?"

    @retried_within_budget
    def _run(self, sql: str, params: tuple[Any, ...] = (), *, commit: bool = False) -> list[Any]:
        """Runs one statement (``?`` placeholders); its rows, if it returns any.

        Retried, as the recorder's inserts are and within the same budget, on a connection
        broken by a server restart (the pool drops it): every statement here can run twice
        to the same effect."""
        returns_rows = "SELECT" in sql.split(" ", 1)[0].upper() or " RETURNING " in sql
        if self.postgres:
            # The pool's connections are in autocommit: one statement is its own
            # transaction, in one round trip (a BEGIN and a COMMIT around it were two more,
            # paid by every new case's key).
            with self.datastore.get_connection() as conn, conn.cursor() as cursor:
                cursor.execute(sql.replace("?", self._p), params)
                return list(cursor.fetchall()) if returns_rows else []
        with self.datastore.transaction(commit=commit) as cursor:
            cursor.execute(sql.replace("?", self._p), params)
            return list(cursor.fetchall()) if returns_rows else []

    def _id(self, application_id: UUID) -> Any:
        return application_id if self.postgres else str(application_id)

    def create_table(self) -> None:
        self._run(POSTGRES_DDL if self.postgres else SQLITE_DDL, commit=True)

    def insert_or_get(self, application_id: UUID, wrapped: bytes) -> KeyRow:
        if self.postgres:
            insert = (
                f"INSERT INTO {TABLE} (application_id, wrapped) VALUES (?, ?)"
                " ON CONFLICT (application_id) DO NOTHING RETURNING seq, application_id, wrapped"
            )
            rows = self._run(insert, (application_id, wrapped), commit=True)
            if rows:
                return _row(rows[0])
        else:
            insert = (
                f"INSERT OR IGNORE INTO {TABLE} (application_id, wrapped, created_at)"
                " VALUES (?, ?, ?)"
            )
            self._run(insert, (str(application_id), wrapped, _now()), commit=True)
        found = self.get(application_id)
        assert found is not None  # inserted now or before
        return found

    def get(self, application_id: UUID) -> KeyRow | None:
        rows = self._run(
            f"SELECT seq, application_id, wrapped FROM {TABLE} WHERE application_id = ?",
            (self._id(application_id),),
        )
        return _row(rows[0]) if rows else None

    def since(self, seq: int) -> list[KeyRow]:
        rows = self._run(
            f"SELECT seq, application_id, wrapped FROM {TABLE} WHERE seq > ? ORDER BY seq", (seq,)
        )
        return [_row(r) for r in rows]

    def erase(self, application_id: UUID) -> bool:
        """Deletes the wrapped key, then leaves no copy of it in the database's own files:
        PostgreSQL keeps the row's old version (with the key) as a dead tuple until VACUUM
        removes it, so the table is vacuumed; SQLite overwrites freed space with zeros
        under ``secure_delete``, and its write-ahead log, which still holds the page as it
        was, is checkpointed into the database and truncated. Both run again when the
        erasure is repeated (e.g. after a crash between the two)."""
        if not self.postgres:
            return self._erase_sqlite(application_id)
        erased = self._run(_ERASE, (datetime.now(UTC), application_id), commit=True)
        self._run(f"VACUUM {TABLE}")  # autocommit: VACUUM runs outside a transaction
        return bool(erased)

    @retried_within_budget
    def _erase_sqlite(self, application_id: UUID) -> bool:
        sqlite: Any = self.datastore
        with sqlite.get_connection(commit=True) as conn:
            cursor = conn.cursor()
            cursor.execute("PRAGMA secure_delete")
            before = cursor.fetchone()[0]
            cursor.execute("PRAGMA secure_delete = ON")
            try:
                with conn.transaction(commit=True) as writing:
                    writing.execute(_ERASE, (_now(), str(application_id)))
                    erased = bool(writing.fetchall())
            finally:
                cursor.execute(f"PRAGMA secure_delete = {int(before)}")
            _truncate_wal(cursor)
        return erased


_ERASE = (
    f"UPDATE {TABLE} SET wrapped = NULL, erased_at = ?"
    " WHERE application_id = ? AND wrapped IS NOT NULL RETURNING seq"
)


class WalBusyError(Exception):
    """A reader kept SQLite's write-ahead log from being checkpointed in full."""


@within_budget((WalBusyError,), seconds=2.0, pause=0.05)
def _checkpointed(cursor: Any) -> None:
    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    busy, _, _ = cursor.fetchone()
    if busy:
        raise WalBusyError("a reader holds the write-ahead log")


def _truncate_wal(cursor: Any) -> None:
    """Copies the write-ahead log into the database and truncates it to nothing (within
    about 2 s of readers letting go; else it stays until SQLite next checkpoints it, which
    is said in the log)."""
    try:
        _checkpointed(cursor)
    except WalBusyError:
        log.warning(
            "the write-ahead log could not be truncated after an erasure (a reader held"
            " it); it is overwritten as the database is written to"
        )


class MemoryKeyStore:
    """The key table of an in-memory store (``memory:``; lost with the process, as the
    events are)."""

    def __init__(self) -> None:
        self._rows: dict[UUID, KeyRow] = {}
        self._lock = threading.Lock()

    def create_table(self) -> None:
        return None

    def insert_or_get(self, application_id: UUID, wrapped: bytes) -> KeyRow:
        with self._lock:
            found = self._rows.get(application_id)
            if found is None:
                found = KeyRow(len(self._rows) + 1, application_id, wrapped)
                self._rows[application_id] = found
            return found

    def get(self, application_id: UUID) -> KeyRow | None:
        return self._rows.get(application_id)

    def since(self, seq: int) -> list[KeyRow]:
        return sorted((r for r in self._rows.values() if r.seq > seq), key=lambda r: r.seq)

    def erase(self, application_id: UUID) -> bool:
        with self._lock:
            found = self._rows.get(application_id)
            if found is None or found.wrapped is None:
                return False
            self._rows[application_id] = KeyRow(found.seq, application_id, None)
            return True


def _row(row: Any) -> KeyRow:
    case_id = row["application_id"]
    wrapped = row["wrapped"]
    return KeyRow(
        int(row["seq"]),
        case_id if isinstance(case_id, UUID) else UUID(str(case_id)),
        bytes(wrapped) if wrapped is not None else None,
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()
