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
from uuid import UUID

from eventsourcing.persistence import Mapper

from domain.case.chain import GENESIS
from domain.case.chain_check import Checkpoint, CheckpointHasher
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
    return [Checkpoint(int(r[0]), int(r[1]), int(r[2]), int(r[3]), r[4], r[5]) for r in rows]


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
            for cp in make(db, mapper, every):
                log.info("checkpoint #%s sealed %s events: %s", cp.seq, cp.events, cp.hash)
        except Exception:
            log.exception("checkpoint round failed; next try in %.0fs", interval)
        stop.wait(interval)


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
