"""``intakeDeadLetters``: the eGov messages the intake could not store, for officers and
admins (``infra/intake/dead_letters.py``). Where each one was on the broker, its
CloudEvents id, type and source, and why: never the message's content (the applicant's
data stays on the dead-letter topic)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated

import strawberry

from api.types.results import NotAllowed
from infra.intake.dead_letters import DeadLetter


@strawberry.type(description="An eGov message sent to the intake's dead-letter topic.")
class IntakeDeadLetter:
    topic: str
    partition: int
    offset: int
    message_id: str = strawberry.field(description="The CloudEvents id, when it could be read.")
    message_type: str
    source: str
    kind: str = strawberry.field(
        description="malformed (not a submission) or refused (the command said no)."
    )
    reason: str = strawberry.field(description="The fields and rules at fault; no values.")
    dead_lettered_at: datetime

    @classmethod
    def of(cls, found: DeadLetter) -> IntakeDeadLetter:
        """The row as it is: the type's fields are the row's."""
        return cls(**dataclasses.asdict(found))


@strawberry.type(description="The intake's dead letters, newest first.")
class IntakeDeadLetters:
    total: int = strawberry.field(description="How many there are in all.")
    items: list[IntakeDeadLetter]


IntakeDeadLettersResult = Annotated[
    IntakeDeadLetters | NotAllowed, strawberry.union("IntakeDeadLettersResult")
]
