"""When each periodic worker last finished a round, and what it did: one row per worker.

The deadline job and the audit checkpoints run every few minutes and, on a quiet day,
change nothing the log or a position would show: this row is how an operator (the
``systemStatus`` query) and a health check (``bolashak health --worker NAME``) tell a
worker that runs and finds nothing to do from one that stopped running. Written after
every round, successful or not; the table is made by ``bolashak db init`` and, for a store
initialised before it existed, by the first round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from projections.sql import ViewDatabase

TABLE = "worker_runs"
DEADLINES = "deadlines"
CHECKPOINTS = "checkpoints"
INTAKE = "intake"  # the eGov intake (infra/intake/worker.py): a round every 30 s, busy or idle
DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (name TEXT PRIMARY KEY, finished_at TEXT NOT NULL,"
    " ok BOOLEAN NOT NULL, outcome TEXT NOT NULL)"
)


@dataclass(frozen=True)
class WorkerRun:
    name: str
    finished_at: datetime
    ok: bool  # False: the round failed (its outcome says why)
    outcome: str  # what the round did, e.g. "revoked 2, already revoked 0, refused 0"

    def age_seconds(self, now: datetime | None = None) -> float:
        return ((now or datetime.now(UTC)) - self.finished_at).total_seconds()


def create_table(db: ViewDatabase) -> None:
    with db.transaction() as cur:
        cur.execute(DDL)


def record(db: ViewDatabase, name: str, *, ok: bool, outcome: str) -> None:
    """The round of ``name`` that just finished (replacing the one before)."""
    finished = datetime.now(UTC).isoformat(timespec="seconds")
    with db.transaction() as cur:
        cur.execute(DDL)
        cur.execute(
            f"INSERT INTO {TABLE} (name, finished_at, ok, outcome) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (name) DO UPDATE SET finished_at = excluded.finished_at,"
            " ok = excluded.ok, outcome = excluded.outcome",
            (name, finished, ok, outcome[:500]),
        )


def last(db: ViewDatabase, name: str) -> WorkerRun | None:
    """The last round recorded for ``name``; None when it never ran (or no table yet)."""
    if not has_table(db, TABLE):
        return None
    rows = db.query(f"SELECT name, finished_at, ok, outcome FROM {TABLE} WHERE name = %s", (name,))
    if not rows:
        return None
    found, finished_at, ok, outcome = rows[0]
    return WorkerRun(found, datetime.fromisoformat(finished_at), bool(ok), outcome)


def has_table(db: ViewDatabase, table: str) -> bool:
    """Whether ``table`` exists (a store initialised before it was added has none yet)."""
    if db.dialect == "postgres":
        return bool(db.query("SELECT to_regclass(%s) IS NOT NULL", (table,))[0][0])
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s"
    return bool(db.query(query, (table,)))
