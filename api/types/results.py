"""What a mutation returns: the updated case, or a typed error with field-level messages."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.types.cases import ApplicationView


@strawberry.type(description="The command was carried out (or had been: see replayed).")
class CaseUpdated:
    application: ApplicationView
    version: int
    replayed: bool = strawberry.field(
        description="True when the idempotency key had been used: nothing new was stored."
    )
    idempotency_key: str


@strawberry.type(description="An NEC member's sheet was recorded.")
class SheetRecorded:
    application_id: strawberry.ID
    applicant_code: str
    version: int
    replayed: bool
    idempotency_key: str


@strawberry.type
class FieldProblem:
    field: str
    rule: str
    message: str


@strawberry.type(description="Some input broke a rule; nothing was stored.")
class InvalidInput:
    message: str
    field_errors: list[FieldProblem]


@strawberry.type(description="The process does not allow this step now; nothing was stored.")
class ProcessRefused:
    message: str
    command: str
    stage: str
    rule: str


@strawberry.type
class NotFound:
    message: str
    application_id: strawberry.ID


@strawberry.type(description="The caller's role may not do this.")
class NotAllowed:
    message: str
    command: str
    role: str


@strawberry.type(
    description="A concurrent change, or an idempotency key reused for another command."
)
class Conflict:
    message: str
    kind: str


CommandResult = Annotated[
    CaseUpdated | InvalidInput | ProcessRefused | NotFound | NotAllowed | Conflict,
    strawberry.union("CommandResult"),
]
SheetResult = Annotated[
    SheetRecorded | InvalidInput | ProcessRefused | NotFound | NotAllowed | Conflict,
    strawberry.union("SheetResult"),
]
