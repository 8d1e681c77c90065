"""The event store's PostgreSQL recorder: one round trip per save, same gap-safety, and
concurrent saves committed together.

The library's save sends about a dozen statements per transaction (lock timeout, ``LOCK
TABLE ... IN EXCLUSIVE MODE``, ``NOTIFY``, ``INSERT ... RETURNING``, commit), and most of a
command's time is spent waiting on those round trips (shared/FIELD-NOTES.md). Its own
database function (``POSTGRES_ENABLE_DB_FUNCTIONS``) is one round trip but drops the table
lock, and followers of the log then skip events committed out of order. This recorder
calls a PL/pgSQL function that takes the same exclusive lock, notifies and inserts the
rows from arrays, as one statement in autocommit: the lock is held until that statement
commits, so notification ids are still committed in order, in one round trip.

**Group commit.** The exclusive lock is held through the commit's flush to disk, so saves
from concurrent threads (the API's request threads, a bulk import) would each wait for
the previous one's flush. Instead, saves queue: one thread at a time leads, and writes
every save queued at that moment in one statement (one lock, one flush). Each save is
still its own unit: the function inserts each one in a sub-transaction, and a save whose
case version is already taken is refused alone (``IntegrityError``, which the command
service treats as a conflict) while the others in the group are stored. A save on its
own (nothing else queued) takes the plain path. A lost connection fails every save of
the group and every save queued behind it at once (an outage must not cost one pool wait
per group), and each is retried by its own thread as before (a retry of a save that was in
fact committed conflicts and is re-decided on the stored case). While saves keep queuing,
the leaders write on one connection, handed from each to the next, and the last returns it
to the pool: no checkout per statement.

**A new case's data key in the same statement.** A case's identity is sealed under a data
key of its own (``infra/pii/sealer.py``), made when its first event is stored. The sealer
makes the key in memory and the mapper hands it over with the first save's rows
(``KeyedStoredEvent``); the functions insert it into the key table in the save's own
(sub-)transaction, before the events. So the events of a case are never stored without the
key they were sealed under, nor a key without its events, and a new case costs no round
trip and no commit of its own for its key. A key row already there (the case was stored
meanwhile, or an older version left a key without events) refuses the save like a version
already taken; the sealer is told (``KeyKeeper``) and reads the stored key for the next
attempt.

Chosen by ``APPLICATION_RECORDER_TOPIC`` in ``infra.settings``; the functions are created
with the tables (``bolashak db init``).

Saving and reading a case retry a lost connection (a server restart breaks every pooled
one) for at most ``OUTAGE_BUDGET_SECONDS``, not the library's ten attempts: while the
database is down, a command then fails in a few seconds with ``OperationalError`` (the API
answers 503, retry) instead of outlasting the request's time limit.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Connection, generators, pq
from psycopg.pq.abc import PGresult
from psycopg.sql import SQL, Composed, Identifier, Literal

from infra import binary_arrays as arrays
from infra.retrying import within_budget
from projections.case_list import KEYS_TABLE

RECORDER_TOPIC = "infra.event_store:LockedInsertRecorder"
MAX_GROUP = 64  # saves written by one statement at most
OUTAGE_BUDGET_SECONDS = 3.0  # of retries after a lost connection, from the first attempt
RETRY_WAIT_SECONDS = 0.2


# Retries on a lost or refused connection until OUTAGE_BUDGET_SECONDS have passed since
# the first attempt; then the error is raised.
retried_within_budget = within_budget(
    (InterfaceError, OperationalError), seconds=OUTAGE_BUDGET_SECONDS, pause=RETRY_WAIT_SECONDS
)


@dataclass(frozen=True)
class KeyedStoredEvent(StoredEvent):
    """A case's first stored event with the data key its identity was sealed under (wrapped
    by the master key), not stored yet: inserted with the event, in the same transaction."""

    data_key: bytes = b""


class KeyKeeper(Protocol):
    """What the recorder tells the keeper of the data keys (the sealer) of the keys it
    handed over with a save."""

    def keys_stored(self, application_ids: Sequence[UUID]) -> None: ...

    def keys_refused(self, application_ids: Sequence[UUID]) -> None: ...


def _taken() -> threading.Lock:
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass(slots=True)
class _QueuedSave:
    """A save waiting in the queue. ``done`` is a lock taken when the save is queued and
    released once, by the leader, when the save is written or handed the lead: its waiter
    blocks on acquiring it. A plain lock is a quarter of a ``threading.Event``'s cost (an
    event is a condition over a lock), paid by every save, under the interpreter lock."""

    events: Sequence[StoredEvent]
    done: threading.Lock = field(default_factory=_taken)
    lead: bool = False  # woken to lead the next group rather than with an outcome
    ids: list[int] | None = None
    error: BaseException | None = None

    def outcome(self) -> list[int]:
        if self.error is not None:
            raise copy.copy(self.error) from self.error  # each waiter raises its own
        assert self.ids is not None
        return self.ids

    def data_keys(self) -> list[tuple[UUID, bytes]]:
        """The data keys handed over with this save's events, by case."""
        return [
            (_uuid(e.originator_id), e.data_key)
            for e in self.events
            if isinstance(e, KeyedStoredEvent)
        ]


class LockedInsertRecorder(PostgresApplicationRecorder):
    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(datastore.schema)
        table = Identifier(events_table_name)
        names = {
            "schema": schema,
            "table": table,
            "lock_timeout": SQL(str(datastore.lock_timeout)),
            "channel": Identifier(self.channel_name),
        }
        single_name = f"{events_table_name}_insert_locked"[:63]
        group_name = f"{events_table_name}_insert_group"[:63]
        single, group = Identifier(single_name), Identifier(group_name)
        self.sql_create_statements.append(_single_function(single, **names))
        self.sql_create_statements.append(_group_function(group, **names))
        self.sql_create_statements.append(
            _drop_older_signatures(
                datastore.schema,
                {
                    single_name: _signature(_SINGLE_PARAMETERS),
                    group_name: _signature(_GROUP_PARAMETERS),
                },
            )
        )
        self._insert_single = _Call(single_name, schema, single, _SINGLE_TYPES)
        self._insert_group = _Call(group_name, schema, group, _GROUP_TYPES)
        self.keys: KeyKeeper | None = None  # told of the data keys saved or refused
        self._mutex = threading.Lock()
        self._queue: list[_QueuedSave] = []
        self._leading = False
        self._held: Connection[Any] | None = None  # the leading streak's connection
        self.statements = 0  # statements that wrote saves (for tests and benchmarks)
        self.grouped = 0  # saves written together with others

    @retried_within_budget
    def insert_events(self, stored_events: Sequence[StoredEvent], **_: Any) -> Sequence[int] | None:
        if not stored_events:
            return None
        mine = _QueuedSave(stored_events)
        with self._mutex:
            self._queue.append(mine)
            lead = not self._leading
            self._leading = True
        if not lead:
            mine.done.acquire()
            if not mine.lead:
                return mine.outcome()
        self._lead()
        return mine.outcome()

    def _lead(self) -> None:
        """Writes the saves queued now (the leader's own is first), then hands the lead
        to the first save queued meanwhile, or gives it up."""
        with self._mutex:
            group = self._queue[:MAX_GROUP]
            del self._queue[:MAX_GROUP]
        try:
            self._write(group)
        finally:
            with self._mutex:
                lost = group[0].error
                if isinstance(lost, InterfaceError | OperationalError):
                    # The database is unreachable: every save queued meanwhile fails now
                    # (and is retried by its own thread within its budget) rather than
                    # waiting for a connection once per group behind this one.
                    for save in self._queue:
                        save.error = lost
                        save.done.release()
                    self._queue.clear()
                held = None
                if self._queue:
                    self._queue[0].lead = True
                    self._queue[0].done.release()
                else:
                    self._leading = False
                    held, self._held = self._held, None
            if held is not None:
                self.datastore.pool.putconn(held)  # a broken one is discarded by the pool
            for save in group:
                save.done.release()

    @contextmanager
    def _connection(self) -> Iterator[Connection[Any]]:
        """The leading streak's connection, with psycopg's errors raised as the library's
        (as its ``get_connection`` raises them). The first leader checks it out of the pool
        and each leader hands it to the next while saves keep queuing; the last one returns
        it. A checkout per statement cost about a third of a save's interpreter time (the
        pool's bookkeeping, and each statement on another connection than the last)."""
        try:
            if self._held is None:  # the pool is open: the library's recorder opened it
                self._held = self.datastore.pool.getconn()  # to register its types
            yield self._held
        except psycopg.Error as e:
            lost = self._held
            if lost is not None and (lost.broken or lost.closed):
                self._held = None  # the next leader checks out another
                self.datastore.pool.putconn(lost)
            raise next(ours for theirs, ours in _ERRORS if isinstance(e, theirs))(str(e)) from e

    def _write(self, group: list[_QueuedSave]) -> None:
        self.statements += 1
        self.grouped += len(group) if len(group) > 1 else 0
        try:
            if len(group) == 1:
                group[0].ids = self._write_one(group[0])
            else:
                self._write_group(group)
        except BaseException as e:
            for save in group:
                save.error = e
        self._tell_keys(group)

    def _tell_keys(self, group: list[_QueuedSave]) -> None:
        """Tells the key keeper which handed-over keys are stored and which were refused
        (their save's versions or key taken). A save whose outcome is unknown (a lost
        connection) is neither: its key stays handed over, and the retried save carries
        it again."""
        if self.keys is None:
            return
        stored, refused = [], []
        for save in group:
            ids = [case_id for case_id, _ in save.data_keys()]
            if not ids:
                continue
            if save.error is None:
                stored.extend(ids)
            elif isinstance(save.error, IntegrityError):
                refused.extend(ids)
        if stored:
            self.keys.keys_stored(stored)
        if refused:
            self.keys.keys_refused(refused)

    def _write_one(self, save: _QueuedSave) -> list[int]:
        keys = save.data_keys()
        params = (
            *_arrays(save.events),
            arrays.uuids([k[0] for k in keys]),
            arrays.byteas([k[1] for k in keys]),
        )
        with self._connection() as conn:
            result = self._insert_single.run(conn, params)
        return [_number(result.get_value(row, 0)) for row in range(result.ntuples)]

    def _write_group(self, group: list[_QueuedSave]) -> None:
        events = [e for save in group for e in save.events]
        groups = [i for i, save in enumerate(group, 1) for _ in save.events]
        keys = [(i, key) for i, save in enumerate(group, 1) for key in save.data_keys()]
        params = (
            *_arrays(events),
            arrays.int4s(groups),
            arrays.uuids([k[1][0] for k in keys]),
            arrays.byteas([k[1][1] for k in keys]),
            arrays.int4s([k[0] for k in keys]),
        )
        with self._connection() as conn:
            result = self._insert_group.run(conn, params)
        ids: dict[int, list[int]] = {}
        refused: set[int] = set()
        for row in range(result.ntuples):
            grp, n = _number(result.get_value(row, 0)), result.get_value(row, 1)
            if n is None:
                refused.add(grp)
            else:
                ids.setdefault(grp, []).append(int(n))
        for i, save in enumerate(group, 1):
            if i in refused:
                first = save.events[0]
                save.error = IntegrityError(
                    f"version {first.originator_version} of {first.originator_id} is taken"
                )
            else:
                save.ids = ids[i]

    @retried_within_budget
    def select_events(self, *args: Any, **kwargs: Any) -> Any:
        """The library's query, without its ten retries (``retried_within_budget``)."""
        unretried = PostgresApplicationRecorder.select_events.__wrapped__
        return unretried(self, *args, **kwargs)


# psycopg's errors and the library's, in the order its ``get_connection`` translates them.
_ERRORS: tuple[tuple[type[psycopg.Error], type[PersistenceError]], ...] = (
    (psycopg.InterfaceError, InterfaceError),
    (psycopg.OperationalError, OperationalError),
    (psycopg.DataError, DataError),
    (psycopg.IntegrityError, IntegrityError),
    (psycopg.InternalError, InternalError),
    (psycopg.ProgrammingError, ProgrammingError),
    (psycopg.NotSupportedError, NotSupportedError),
    (psycopg.DatabaseError, DatabaseError),
    (psycopg.Error, PersistenceError),
)


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


def _arrays(events: Sequence[StoredEvent]) -> tuple[bytes, ...]:
    """The events' columns, as the insert functions' first four parameters."""
    return (
        arrays.uuids([_uuid(e.originator_id) for e in events]),
        arrays.int8s([e.originator_version for e in events]),
        arrays.texts([e.topic for e in events]),
        arrays.byteas([e.state for e in events]),
    )


class _Call:
    """A call of one of the insert functions, sent on the connection's libpq connection
    (``PGconn.send_query_prepared``, its answer waited for as psycopg waits: ``_answer``),
    its parameters already in PostgreSQL's binary layout (``infra/binary_arrays.py``), its
    answer read as text. The statement is the writer's one hot path: psycopg's cursor
    around it (composing the query, adapting each array element by element, its
    prepared-statement bookkeeping, loading the rows) cost more of the interpreter than
    the rest of a save's statement (docs/benchmarks.md). Prepared on a connection when it
    is first run there: a connection that has not prepared it, or has dropped it (as
    psycopg's ``DEALLOCATE ALL`` does), answers ``invalid_sql_statement_name``, and the
    call is prepared and run again."""

    def __init__(self, name: str, schema: Identifier, function: Identifier, types: Sequence[int]):
        self.name = name.encode()
        placeholders = SQL(", ").join(SQL(f"${i}") for i in range(1, len(types) + 1))
        self.query = (
            SQL("SELECT * FROM {schema}.{function}({placeholders})")
            .format(schema=schema, function=function, placeholders=placeholders)
            .as_bytes()
        )
        self.types = list(types)
        self.formats = [BINARY] * len(types)

    def run(self, conn: Connection[Any], params: Sequence[bytes]) -> PGresult:
        """The function's rows (a psycopg error when the statement failed)."""
        pgconn = conn.pgconn
        pgconn.send_query_prepared(self.name, params, self.formats)
        result = _answer(conn)
        if result.status == FAILED and _sqlstate(result) == INVALID_SQL_STATEMENT_NAME:
            pgconn.send_prepare(self.name, self.query, self.types)
            _checked(conn, _answer(conn))
            pgconn.send_query_prepared(self.name, params, self.formats)
            result = _answer(conn)
        return _checked(conn, result)


def _answer(conn: Connection[Any]) -> PGresult:
    """The answer to the statement just sent, waited for as psycopg's cursor waits
    (``Connection.wait``: without the interpreter lock, and interruptible: on Ctrl-C the
    statement is cancelled in the server, the connection left idle, and the interruption
    raised). libpq's blocking ``exec_prepared`` could not be interrupted until the
    statement ended."""
    results: list[PGresult] = conn.wait(generators.execute(conn.pgconn))
    return results[-1]


INVALID_SQL_STATEMENT_NAME = b"26000"
BINARY = pq.Format.BINARY
FAILED = pq.ExecStatus.FATAL_ERROR


def _number(value: bytes | None) -> int:
    """A column the insert functions never leave null, from their answer's text."""
    assert value is not None
    return int(value)


def _sqlstate(result: PGresult) -> bytes | None:
    return result.error_field(pq.DiagnosticField.SQLSTATE)


def _checked(conn: Connection[Any], result: PGresult) -> PGresult:
    """``result``, or its error raised as psycopg raises it: a connection lost (libpq's
    error has no SQLSTATE then) as ``OperationalError``, any other by its SQLSTATE."""
    if result.status in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
        return result
    if conn.pgconn.status == pq.ConnStatus.BAD or _sqlstate(result) is None:
        raise psycopg.OperationalError(result.get_error_message(conn.info.encoding))
    raise psycopg.errors.error_from_result(result, encoding=conn.info.encoding)


_HEAD = (
    "SET LOCAL lock_timeout = '{lock_timeout}s'; "
    "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
    "NOTIFY {channel}; "
)


# A save's new data keys, before its events: a key row already there is a unique violation.
_KEYS = (
    "INSERT INTO " + KEYS_TABLE + " (application_id, wrapped) SELECT * FROM unnest(key_ids, keys); "
)


# The insert functions' parameters: their definitions' and, by type, their signatures.
_SINGLE_PARAMETERS = (
    "ids uuid[], versions bigint[], topics text[], states bytea[], key_ids uuid[], keys bytea[]"
)
_GROUP_PARAMETERS = (
    "ids uuid[], versions bigint[], topics text[], states bytea[], grps int[], "
    "key_ids uuid[], keys bytea[], key_grps int[]"
)
_COLUMNS_TYPES = (
    arrays.UUID_ARRAY_OID,
    arrays.INT8_ARRAY_OID,
    arrays.TEXT_ARRAY_OID,
    arrays.BYTEA_ARRAY_OID,
)
_SINGLE_TYPES = (*_COLUMNS_TYPES, arrays.UUID_ARRAY_OID, arrays.BYTEA_ARRAY_OID)
_GROUP_TYPES = (
    *_COLUMNS_TYPES,
    arrays.INT4_ARRAY_OID,
    arrays.UUID_ARRAY_OID,
    arrays.BYTEA_ARRAY_OID,
    arrays.INT4_ARRAY_OID,
)


def _signature(parameters: str) -> str:
    """A function's parameters' types, as PostgreSQL tells its overloads apart."""
    return ", ".join(p.split(" ", 1)[1] for p in parameters.split(", "))


def _drop_older_signatures(schema: str, functions: dict[str, str]) -> Composed:
    """Drops each insert function's overloads other than the one just created: ``CREATE OR
    REPLACE`` with a new signature (a release that added the data keys' arrays) adds an
    overload beside the older one instead of replacing it, and ``bolashak db init`` would
    leave the older, unused version in the schema. In the same transaction as the
    creation, so a running server finds the current function throughout."""
    older = SQL(" OR ").join(
        SQL(
            "(p.proname = {name} AND p.oid <> to_regprocedure(format('%I.%I({args})', {schema},"
            " {name})))"
        ).format(name=Literal(name), args=SQL(args), schema=Literal(schema))
        for name, args in functions.items()
    )
    return SQL(
        "DO $DROP$ DECLARE f regprocedure; BEGIN "
        "FOR f IN SELECT p.oid::regprocedure FROM pg_proc p "
        "WHERE p.pronamespace = to_regnamespace({schema}) AND ({older}) "
        "LOOP EXECUTE 'DROP FUNCTION ' || f::text; END LOOP; END $DROP$"
    ).format(schema=Literal(schema), older=older)


def _single_function(function: Identifier, **names: Any) -> Composed:
    """One save: insert its new data keys and its rows under the lock, return the rows'
    notification ids."""
    return SQL(
        "CREATE OR REPLACE FUNCTION {schema}.{function}(" + _SINGLE_PARAMETERS + ") "
        "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ BEGIN " + _HEAD + _KEYS + "RETURN QUERY "
        "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
        "SELECT * FROM unnest(ids, versions, topics, states) "
        "RETURNING notification_id; "
        "END; $BODY$"
    ).format(function=function, **names)


def _group_function(function: Identifier, **names: Any) -> Composed:
    """Several saves, numbered 1..n by ``grps`` (their new data keys by ``key_grps``),
    returned as (grp, notification id) rows. All at once first, keys then rows, in the
    saves' order; when a version or a key is taken, that is undone and each save is
    inserted in a sub-transaction of its own, keys first, the one taken answered with a
    (grp, NULL) row (the others are stored). The lock is held through the statement: one
    sub-transaction instead of one per save, and one pass over the arrays instead of one per
    save, held it about a quarter less long for 8 saves, half for 16."""
    return SQL(
        "CREATE OR REPLACE FUNCTION {schema}.{function}(" + _GROUP_PARAMETERS + ") "
        "RETURNS TABLE (grp int, n bigint) LANGUAGE plpgsql AS $BODY$ "
        "DECLARE g int; stored bigint[]; "
        "BEGIN " + _HEAD + "BEGIN "  # every save at once: no version or key taken, as a rule
        "INSERT INTO " + KEYS_TABLE + " (application_id, wrapped) "
        "SELECT * FROM unnest(key_ids, keys); "
        "RETURN QUERY WITH inserted AS ("
        "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
        "SELECT u.i, u.v, u.t, u.s FROM unnest(ids, versions, topics, states) "
        "WITH ORDINALITY AS u(i, v, t, s, o) ORDER BY u.o "
        "RETURNING notification_id, originator_id, originator_version) "
        "SELECT x.k, inserted.notification_id FROM inserted "
        "JOIN unnest(ids, versions, grps) AS x(i, v, k) "
        "ON x.i = inserted.originator_id AND x.v = inserted.originator_version "
        "ORDER BY inserted.notification_id; "
        "RETURN; "
        "EXCEPTION WHEN unique_violation THEN NULL; "  # one taken: each save on its own
        "END; "
        "FOR g IN 1..grps[array_length(grps, 1)] LOOP "
        "BEGIN "
        "INSERT INTO " + KEYS_TABLE + " (application_id, wrapped) "
        "SELECT u.i, u.w FROM unnest(key_ids, keys, key_grps) AS u(i, w, k) WHERE u.k = g; "
        "WITH inserted AS ("
        "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
        "SELECT u.i, u.v, u.t, u.s FROM unnest(ids, versions, topics, states, grps) "
        "AS u(i, v, t, s, k) WHERE u.k = g ORDER BY u.v "
        "RETURNING notification_id) "
        "SELECT array_agg(inserted.notification_id ORDER BY inserted.notification_id) "
        "INTO stored FROM inserted; "
        "RETURN QUERY SELECT g, unnest(stored); "
        "EXCEPTION WHEN unique_violation THEN "
        "RETURN QUERY SELECT g, NULL::bigint; "
        "END; "
        "END LOOP; "
        "END; $BODY$"
    ).format(function=function, **names)
