"""``systemStatus``: where each worker of the system stands, for admins only.

The details behind ``GET /health/ready`` (which answers only yes or no, to anyone): each
read model's lag, each relay's position, the deadline job's and the audit checkpoints'
last rounds, the last checkpoint sealed, and the eGov intake's last round, position and
dead letters (``infra/system_status.py`` reads them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.types.reports import ProjectionState
from api.types.results import NotAllowed
from infra import system_status as s
from infra.intake.positions import PartitionPosition
from infra.worker_runs import WorkerRun


@strawberry.type(description="A relay's position in the event log (one per Kafka topic).")
class RelayState:
    name: str
    position: int
    lag: int
    updated_at: str
    last_error: str = strawberry.field(description="The last publishing error, if any since.")
    last_error_at: str

    @classmethod
    def of(cls, found: s.RelayState) -> RelayState:
        p = found.position
        return cls(
            name=p.name,
            position=p.position,
            lag=found.lag,
            updated_at=p.updated_at,
            last_error=p.last_error,
            last_error_at=p.last_error_at,
        )


@strawberry.type(
    description="The last round of the deadline job, the audit checkpoints or the eGov intake."
)
class WorkerRound:
    name: str
    finished_at: datetime
    ok: bool
    outcome: str = strawberry.field(description="What the round did, or why it failed.")

    @classmethod
    def of(cls, run: WorkerRun | None) -> WorkerRound | None:
        if run is None:
            return None
        return cls(name=run.name, finished_at=run.finished_at, ok=run.ok, outcome=run.outcome)


@strawberry.type(description="The last audit checkpoint sealed over the event log.")
class CheckpointState:
    seq: int
    upto_position: int
    events: int
    hash: str
    made_at: str
    unsealed_events: int = strawberry.field(description="Events stored since; sealed next round.")


@strawberry.type(description="The eGov intake's place on one partition of its topic.")
class IntakePartition:
    topic: str
    partition: int
    position: int = strawberry.field(description="The next offset the intake will handle.")
    end_offset: int = strawberry.field(description="The offset the next message sent will get.")
    lag: int = strawberry.field(description="Messages on the partition not handled yet.")
    read_at: datetime

    @classmethod
    def of(cls, p: PartitionPosition) -> IntakePartition:
        return cls(
            topic=p.topic,
            partition=p.partition,
            position=p.position,
            end_offset=p.end_offset,
            lag=p.lag,
            read_at=p.read_at,
        )


@strawberry.type(description="The eGov intake (bolashak intake): its last round and position.")
class IntakeState:
    last_round: WorkerRound | None = strawberry.field(
        description="Its last round recorded (every 30 s): what it handled since it started."
    )
    lag: int = strawberry.field(description="Messages waiting, as of that round.")
    partitions: list[IntakePartition] = strawberry.field(
        description="Each partition it holds, as of that round."
    )
    dead_letters: int = strawberry.field(
        description="Messages it ever sent to the dead-letter topic (intakeDeadLetters)."
    )

    @classmethod
    def of(cls, found: s.IntakeState) -> IntakeState:
        return cls(
            last_round=WorkerRound.of(found.run),
            lag=found.lag,
            partitions=[IntakePartition.of(p) for p in found.partitions],
            dead_letters=found.dead_letters,
        )


@strawberry.type(description="Where each worker stands against the event log (admins only).")
class SystemStatus:
    log_head: int
    projections: list[ProjectionState]
    relays: list[RelayState]
    last_deadline_run: WorkerRound | None
    last_checkpoint_run: WorkerRound | None
    last_checkpoint: CheckpointState | None
    intake: IntakeState

    @classmethod
    def of(cls, found: s.SystemStatus) -> SystemStatus:
        cp = found.checkpoint
        return cls(
            log_head=found.head,
            projections=[ProjectionState.of(p) for p in found.projections],
            relays=[RelayState.of(r) for r in found.relays],
            last_deadline_run=WorkerRound.of(found.deadline_run),
            last_checkpoint_run=WorkerRound.of(found.checkpoint_run),
            last_checkpoint=None
            if cp is None
            else CheckpointState(
                seq=cp.checkpoint.seq,
                upto_position=cp.checkpoint.upto,
                events=cp.checkpoint.events,
                hash=cp.checkpoint.hash,
                made_at=cp.made_at,
                unsealed_events=cp.unsealed,
            ),
            intake=IntakeState.of(found.intake),
        )


SystemStatusResult = Annotated[SystemStatus | NotAllowed, strawberry.union("SystemStatusResult")]
