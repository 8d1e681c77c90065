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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

RECORDER_TOPIC = "infra.event_store:LockedInsertRecorder"


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

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
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
