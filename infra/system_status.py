"""What an operator asks of the running system: is it ready, how far behind is each worker.

Three readers of the same records, each for its audience:
- ``readiness``: the answer of ``GET /health/ready`` (a yes or no, for a load balancer or
  an orchestrator): the event store answers, the user directory can be read, and no read
  model lags the log by more than ``BOLASHAK_READY_MAX_LAG`` events;
- ``system_status``: the details behind it, for admins (the ``systemStatus`` query): each
  read model's lag, the relay's position, the deadline job's last run, the last audit
  checkpoint, the eGov intake's last round, position and dead letters;
- ``projections_behind``, ``relay_behind``, ``round_overdue``: one worker's check
  (``bolashak health --worker NAME``, the compose file's health checks): its position
  near the head, or its last round recent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from domain.case.chain_check import Checkpoint
from infra import users, worker_runs
from infra.audit import checkpoints
from infra.intake import dead_letters
from infra.intake import positions as intake_positions
from infra.intake.positions import PartitionPosition
from infra.relay import tracking as relay_tracking
from infra.relay.tracking import RelayPosition
from infra.worker_runs import WorkerRun
from projections.engine import ProjectionEngine, ProjectionStatus
from projections.sql import ViewDatabase

CONSUMER_TABLE = "consumer_cases"  # infra/example_consumer.py's table of cases


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str  # why not (for the server's log, never the response): "" when ready


@dataclass(frozen=True)
class RelayState:
    position: RelayPosition
    head: int

    @property
    def lag(self) -> int:
        return max(0, self.head - self.position.position)


@dataclass(frozen=True)
class CheckpointState:
    checkpoint: Checkpoint
    made_at: str
    head: int

    @property
    def unsealed(self) -> int:
        """Events stored since the last checkpoint (sealed by the next round)."""
        return max(0, self.head - self.checkpoint.upto)


@dataclass(frozen=True)
class IntakeState:
    run: WorkerRun | None  # its last round recorded (what it handled since it started)
    partitions: list[PartitionPosition]  # as of that round
    dead_letters: int  # every message it ever sent to the dead-letter topic

    @property
    def lag(self) -> int:
        return intake_positions.total_lag(self.partitions)


@dataclass(frozen=True)
class SystemStatus:
    head: int
    projections: list[ProjectionStatus]
    relays: list[RelayState]
    deadline_run: WorkerRun | None
    checkpoint_run: WorkerRun | None
    checkpoint: CheckpointState | None
    intake: IntakeState


def readiness(engine: ProjectionEngine, max_lag: int) -> Readiness:
    """Reads the log's head, every read model's position and the user directory; any of
    them failing (the database down, a table missing) is the reason."""
    try:
        found = engine.status()
    except Exception as e:
        return Readiness(False, f"the event store or the read models: {type(e).__name__}: {e}")
    try:
        engine.db.query(f"SELECT 1 FROM {users.TABLE} LIMIT 1")
    except Exception as e:
        return Readiness(False, f"the user directory: {type(e).__name__}: {e}")
    behind = projections_behind(found, max_lag)
    return Readiness(behind is None, behind or "")


def system_status(engine: ProjectionEngine) -> SystemStatus:
    db = engine.db
    found = engine.status()
    head = found[0].head if found else engine.head()
    latest = checkpoints.latest(db)
    return SystemStatus(
        head=head,
        projections=found,
        relays=[RelayState(p, head) for p in relay_tracking.read_all(db)],
        deadline_run=worker_runs.last(db, worker_runs.DEADLINES),
        checkpoint_run=worker_runs.last(db, worker_runs.CHECKPOINTS),
        checkpoint=None if latest is None else CheckpointState(*latest, head),
        intake=intake_state(db),
    )


def intake_state(db: ViewDatabase) -> IntakeState:
    return IntakeState(
        run=worker_runs.last(db, worker_runs.INTAKE),
        partitions=intake_positions.read_all(db),
        dead_letters=dead_letters.count(db),
    )


def projections_behind(found: list[ProjectionStatus], max_lag: int) -> str | None:
    """None when every read model is within ``max_lag`` events of the head, else which not."""
    behind = [f"{s.name} lags {s.lag}" for s in found if s.lag > max_lag]
    return f"{', '.join(behind)} events (more than {max_lag})" if behind else None


def relay_behind(db: ViewDatabase, relay_name: str, max_lag: int) -> str | None:
    """None when the relay (its tracking row, ``relay:<topic>``) is within ``max_lag``."""
    lag = RelayState(relay_tracking.read(db, relay_name), db.log_head()).lag
    return f"{relay_name} lags {lag} events (more than {max_lag})" if lag > max_lag else None


def round_overdue(db: ViewDatabase, worker: str, max_age_seconds: float) -> str | None:
    """None when the periodic ``worker`` finished a round, successfully, within
    ``max_age_seconds``; else why not."""
    run = worker_runs.last(db, worker)
    if run is None:
        return f"{worker}: no round recorded yet"
    age = run.age_seconds(datetime.now(UTC))
    if age > max_age_seconds:
        return f"{worker}: last round {age:.0f}s ago (more than {max_age_seconds:g}s)"
    if not run.ok:
        return f"{worker}: last round {run.outcome}"
    return None


def consumer_store_unreadable(db: ViewDatabase) -> str | None:
    """None when the example consumer's own store answers with the table it keeps (made
    when it starts); else why not. (Its lag is the broker's: the consumer group's offsets.)"""
    try:
        db.query(f"SELECT 1 FROM {CONSUMER_TABLE} LIMIT 1")
    except Exception as e:
        return f"the consumer's store: {type(e).__name__}: {e}"
    return None
