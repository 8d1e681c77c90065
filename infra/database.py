"""Schema creation: one explicit, idempotent step (``bolashak db init``).

Long-running processes start with table creation off: several processes creating tables
at once crash (shared/FIELD-NOTES.md), so only this step creates them.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from infra import users, worker_runs
from infra.audit import checkpoints
from infra.container import create_store_tables, schema_engine
from infra.intake import dead_letters, positions
from infra.relay.tracking import RELAY_TRACKING_DDL
from infra.settings import Database, Settings, tighten_database_files
from projections.rebuild import rebuild_many


def create_database_if_missing(db: Database) -> bool:
    """Creates a PostgreSQL database that does not exist yet; True when it created one."""
    if db.kind != "postgres":
        return False
    with psycopg.connect(_admin_dsn(db), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db.dbname,))
        if exists.fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db.dbname)))
        return True


def drop_database(db: Database) -> None:
    """Drops a PostgreSQL database (tests); closes other sessions on it first."""
    with psycopg.connect(_admin_dsn(db), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (db.dbname,),
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(db.dbname)))


def init_schema(settings: Settings) -> list[str]:
    """Creates every table the system needs, and rebuilds each read model whose fold
    changed since it was built (its version); safe to run again. Returns what it did."""
    done = []
    if create_database_if_missing(settings.database):
        done.append(f"created database {settings.database.dbname}")
    create_store_tables(settings)
    done.append("event store tables ready")
    if settings.database.kind == "sqlite":
        for name in tighten_database_files(settings.database.path):
            done.append(f"{name} made readable by its owner only")
    if settings.database.kind != "memory":
        engine = schema_engine(settings)
        views = engine.db
        stale = engine.create_tables()
        if stale:  # their fold changed since the tables were made: replayed from the log
            rebuild_many(engine, stale)
            done.append(f"rebuilt {', '.join(stale)} (their read model changed)")
        with views.transaction() as cur:
            cur.execute(RELAY_TRACKING_DDL)
        checkpoints.create_table(views)
        worker_runs.create_table(views)
        dead_letters.create_table(views)
        positions.create_table(views)
        users.create_table(views)
        views.close()
        done.append(
            "read model, audit checkpoint, worker run, intake dead letter and position, and"
            " user directory tables ready"
        )
    return done


def _admin_dsn(db: Database) -> str:
    return db.dsn("postgres")
