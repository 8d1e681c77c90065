"""The event store's PostgreSQL recorder: one round trip per save, same gap-safety.

The library's save sends about a dozen statements per transaction (lock timeout, ``LOCK
TABLE ... IN EXCLUSIVE MODE``, ``NOTIFY``, ``INSERT ... RETURNING``, commit), and most of a
command's time is spent waiting on those round trips (shared/FIELD-NOTES.md). Its own
database function (``POSTGRES_ENABLE_DB_FUNCTIONS``) is one round trip but drops the table
lock, and followers of the log then skip events committed out of order. This recorder
calls a PL/pgSQL function that takes the same exclusive lock, notifies and inserts the
rows from arrays, as one statement in autocommit: the lock is held until that statement
commits, so notification ids are still committed in order, in one round trip.

Chosen by ``APPLICATION_RECORDER_TOPIC`` in ``infra.settings``; the function is created
with the tables (``bolashak db init``).

Saving and reading a case retry a lost connection (a server restart breaks every pooled
one) for at most ``OUTAGE_BUDGET_SECONDS``, not the library's ten attempts: while the
database is down, a command then fails in a few seconds with ``OperationalError`` (the API
answers 503, retry) instead of outlasting the request's time limit.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

RECORDER_TOPIC = "infra.event_store:LockedInsertRecorder"
OUTAGE_BUDGET_SECONDS = 3.0  # of retries after a lost connection, from the first attempt
RETRY_WAIT_SECONDS = 0.2
F = TypeVar("F", bound=Callable[..., Any])


def retried_within_budget(func: F) -> F:
    """Retries on a lost or refused connection until ``OUTAGE_BUDGET_SECONDS`` have passed
    since the first attempt; then the error is raised."""

    @functools.wraps(func)
    def attempt(*args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        while True:
            try:
                return func(*args, **kwargs)
            except (InterfaceError, OperationalError):
                if time.monotonic() - started >= OUTAGE_BUDGET_SECONDS:
                    raise
                time.sleep(RETRY_WAIT_SECONDS * random.uniform(0.9, 1.1))

    return attempt  # type: ignore[return-value]


class LockedInsertRecorder(PostgresApplicationRecorder):
    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        function = Identifier(f"{events_table_name}_insert_locked"[:63])
        schema = Identifier(datastore.schema)
        table = Identifier(events_table_name)
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{function}("
                "ids uuid[], versions bigint[], topics text[], states bytea[]) "
                "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
                "BEGIN "
                "SET LOCAL lock_timeout = '{lock_timeout}s'; "
                "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
                "NOTIFY {channel}; "
                "RETURN QUERY INSERT INTO {schema}.{table} "
                "(originator_id, originator_version, topic, state) "
                "SELECT * FROM unnest(ids, versions, topics, states) "
                "RETURNING notification_id; "
                "END; $BODY$"
            ).format(
                schema=schema,
                function=function,
                table=table,
                lock_timeout=datastore.lock_timeout,
                channel=Identifier(self.channel_name),
            )
        )
        self._insert_locked = SQL("SELECT n FROM {schema}.{function}(%s, %s, %s, %s) AS n").format(
            schema=schema, function=function
        )

    @retried_within_budget
    def insert_events(self, stored_events: Sequence[StoredEvent], **_: Any) -> Sequence[int] | None:
        if not stored_events:
            return None
        arrays = (
            [e.originator_id for e in stored_events],
            [e.originator_version for e in stored_events],
            [e.topic for e in stored_events],
            [e.state for e in stored_events],
        )
        with self.datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(self._insert_locked, arrays, prepare=True)
            return [int(row["n"]) for row in cursor.fetchall()]

    @retried_within_budget
    def select_events(self, *args: Any, **kwargs: Any) -> Any:
        """The library's query, without its ten retries (``retried_within_budget``)."""
        unretried = PostgresApplicationRecorder.select_events.__wrapped__
        return unretried(self, *args, **kwargs)
