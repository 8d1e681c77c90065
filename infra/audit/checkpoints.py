"""Checkpoints: a chain of hashes over the whole event log, in its own table.

Each checkpoint seals the events after the previous checkpoint, up to ``every`` of them
(``bolashak audit checkpoint``, run periodically), so deleting a case's last events, a
whole case, or moving events in the log shows up even where no per-case chain can see it.
The latest checkpoint hash is worth filing outside the system: it anchors everything
before it.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper

from domain.case.chain import GENESIS
from domain.case.chain_check import Checkpoint, CheckpointHasher
from infra import worker_runs
from infra.audit.stored import body_of
from projections.sql import ViewDatabase

log = logging.getLogger(__name__)
TABLE = "audit_checkpoints"
DEFAULT_EVERY = 1000
_COLUMNS = "seq, after_position, upto_position, events, prev_hash, hash"


def create_table(db: ViewDatabase) -> None:
    with db.transaction() as cur:
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (seq INTEGER PRIMARY KEY,"
            " after_position BIGINT NOT NULL, upto_position BIGINT NOT NULL,"
            " events INTEGER NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,"
            " made_at TEXT NOT NULL)"
        )


def load(db: ViewDatabase) -> list[Checkpoint]:
    rows = db.query(f"SELECT {_COLUMNS} FROM {TABLE} ORDER BY seq")
    return [_checkpoint(r) for r in rows]


def _checkpoint(row: tuple[Any, ...]) -> Checkpoint:
    return Checkpoint(int(row[0]), int(row[1]), int(row[2]), int(row[3]), row[4], row[5])


def make(db: ViewDatabase, mapper: Mapper[UUID], every: int = DEFAULT_EVERY) -> list[Checkpoint]:
    """Seals every event stored since the last checkpoint, ``every`` at most per checkpoint."""
    if every < 1:
        raise ValueError("every: at least one event per checkpoint")
    existing = load(db)
    last = existing[-1] if existing else None
    seq, after, prev = (last.seq, last.upto, last.hash) if last else (0, 0, GENESIS)
    made = []
    while notifications := db.read_log(after, every):
        hasher = CheckpointHasher(prev)
        for n in notifications:
            hasher.add(
                n.id, n.originator_id, n.originator_version, stored_chain_hash(mapper, n.state)
            )
        seq += 1
        checkpoint = Checkpoint(
            seq, after, notifications[-1].id, hasher.events, prev, hasher.hexdigest()
        )
        _insert(db, checkpoint)
        made.append(checkpoint)
        after, prev = checkpoint.upto, checkpoint.hash
    return made


def follow(
    db: ViewDatabase,
    mapper: Mapper[UUID],
    stop: threading.Event,
    interval: float,
    every: int = DEFAULT_EVERY,
) -> None:
    """Seals what was stored since the last checkpoint every ``interval`` seconds until
    ``stop`` is set; a failed round (database down, a second sealer) is retried next time."""
    while not stop.is_set():
        try:
            made = make(db, mapper, every)
            for cp in made:
                log.info("checkpoint #%s sealed %s events: %s", cp.seq, cp.events, cp.hash)
            _record(db, ok=True, outcome=f"sealed {len(made)} checkpoint(s)")
        except Exception as e:
            log.exception("checkpoint round failed; next try in %.0fs", interval)
            _record(db, ok=False, outcome=f"failed: {type(e).__name__}")
        stop.wait(interval)


def _record(db: ViewDatabase, *, ok: bool, outcome: str) -> None:
    """The round as the checkpoints' last run (``infra/worker_runs.py``): their heartbeat."""
    try:
        worker_runs.record(db, worker_runs.CHECKPOINTS, ok=ok, outcome=outcome)
    except Exception:  # the store is down: the round's own error says so
        log.warning("could not record the checkpoint round", exc_info=True)


def latest(db: ViewDatabase) -> tuple[Checkpoint, str] | None:
    """The last checkpoint sealed and when (ISO 8601, UTC); None before the first."""
    rows = db.query(f"SELECT {_COLUMNS}, made_at FROM {TABLE} ORDER BY seq DESC LIMIT 1")
    return (_checkpoint(rows[0]), str(rows[0][6])) if rows else None


def stored_chain_hash(mapper: Mapper[UUID], state: bytes) -> str:
    meta = body_of(mapper, state).get("meta") or {}
    return str(meta.get("chain_hash", ""))


def _insert(db: ViewDatabase, cp: Checkpoint) -> None:
    with db.transaction() as cur:
        cur.execute(
            f"INSERT INTO {TABLE} ({_COLUMNS}, made_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (cp.seq, cp.after, cp.upto, cp.events, cp.prev_hash, cp.hash, _now()),
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
