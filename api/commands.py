"""Running a command from a mutation: input to command, the caller as actor, errors as data.

Every mutation goes through ``run``: the caller recorded in the token becomes the event's
actor and role; domain refusals come back as typed results, never as exceptions.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

import psycopg
import strawberry
from eventsourcing.persistence import OperationalError as StoreUnavailableError

from api.context import Context
from api.errors import PublicError, unavailable
from api.inputs import CONTEXT_FIELDS, InputTooLargeError, check_size
from api.types.cases import ApplicationView
from api.types.results import (
    CaseUpdated,
    Conflict,
    FieldProblem,
    InvalidInput,
    NotAllowed,
    NotFound,
    ProcessRefused,
    SheetRecorded,
)
from domain.case.meta import CommandContext
from domain.errors import (
    ApplicationNotFoundError,
    ConcurrencyConflictError,
    DomainError,
    IdempotencyKeyReusedError,
    InvalidInputError,
    TransitionRefusedError,
)
from domain.permissions import PermissionDeniedError
from domain.registry import spec_for
from domain.service import CommandResult
from infra.inputs import build, camel

Outcome = (
    CaseUpdated | SheetRecorded | InvalidInput | ProcessRefused | NotFound | NotAllowed | Conflict
)
log = logging.getLogger(__name__)
CONTEXT_KEYS = frozenset(camel(name) for name in CONTEXT_FIELDS)  # as the input names them


async def run(
    context: Context, command_class: type, data: dict[str, Any], *, anonymous: bool = False
) -> Outcome:
    """``data``: the mutation's input as graphql-core coerced it (camelCase keys; dates,
    decimals and enums' values as its scalars parse them: ``api/mutation.py``)."""
    caller = context.caller
    try:
        check_size(data)
    except InputTooLargeError as e:
        log.info("input refused: %s (%s)", e, command_class.__name__)  # one line, no trace
        raise PublicError(f"input: {e}", "BAD_USER_INPUT", field="input") from None
    # graphql-core's coerced values (dates, decimals, enums' values) are what the builder
    # reads from JSON, already typed: no round trip through text (``infra/inputs.py``)
    given = {k: v for k, v in data.items() if k not in CONTEXT_KEYS}
    try:
        command: Any = build(command_class, given)
    except InvalidInputError as e:
        if anonymous:
            return await _expert_refusal(context, command_class, given.get("applicationId"), e)
        return _invalid(e)
    services = context.services
    ctx = CommandContext(
        actor_id=caller.user_id,
        role=caller.role,
        idempotency_key=data["idempotencyKey"],
        occurred_on=data.get("occurredOn") or services.clock.today(),
        reason=data.get("reason", ""),
        correlation_id=data.get("correlationId") or context.correlation_id(),
        causation_id=data.get("causationId") or "",
        backdating_reason=data.get("backdatingReason", ""),
    )
    service = services.service

    def decided() -> tuple[CommandResult, ApplicationView | None]:
        """The command, then its answer, on one command thread: a second turn would wait
        behind the commands queued meanwhile."""
        result = service.handle(command, ctx)
        return result, services.answers.after(result)

    try:
        result, application = await services.command(decided)
    except DomainError as e:
        if anonymous:
            return await _expert_refusal(context, command_class, command.application_id, e)
        return refusal(e)
    except (psycopg.OperationalError, StoreUnavailableError):
        raise unavailable() from None
    assert application is not None  # the command stored (or had stored) its events
    if anonymous:
        return _sheet(result, application, ctx.idempotency_key)
    return CaseUpdated(
        application=application,
        version=result.version,
        replayed=result.replayed,
        idempotency_key=ctx.idempotency_key,
    )


def refusal(error: DomainError) -> Outcome:
    """A domain refusal as data. A refusal of a kind not answered here is a bug, not a
    rule's verdict: it is raised again (an internal error, logged with its traceback)
    rather than shown as a refusal naming no command, stage or rule."""
    if isinstance(error, InvalidInputError):
        return _invalid(error)
    if isinstance(error, TransitionRefusedError):
        return ProcessRefused(
            message=str(error), command=error.command, stage=error.stage, rule=error.rule
        )
    if isinstance(error, ApplicationNotFoundError):
        return NotFound(message=str(error), application_id=strawberry.ID(str(error.application_id)))
    if isinstance(error, PermissionDeniedError):
        return NotAllowed(message=str(error), command=error.command, role=error.role.value)
    if isinstance(error, IdempotencyKeyReusedError):
        return Conflict(message=str(error), kind="idempotency_key_reused")
    if isinstance(error, ConcurrencyConflictError):
        return Conflict(message=str(error), kind="concurrent_change")
    raise error


async def _expert_refusal(
    context: Context, command_class: type, application_id: object, error: DomainError
) -> Outcome:
    """An NEC member's command refused. For a case not in the interview queue (not booked
    for an interview, or no case at all) the answer is the same ``NotFound`` whatever the
    refusal, so that an expert learns nothing of a case outside the queue, not even that
    it exists: its stage, a rule, a reused key. Only an id that is no id at all is named
    as bad input (no case is concerned)."""
    try:
        case_id = application_id if isinstance(application_id, UUID) else UUID(str(application_id))
    except ValueError:
        return refusal(error)
    step = spec_for(command_class).step
    assert step is not None  # an NEC member's command is on a case
    allowed = step.allowed
    service = context.services.service

    def queued() -> bool:
        try:
            return service.get_case(case_id).stage in allowed
        except ApplicationNotFoundError:
            return False

    try:
        in_queue = await context.services.command(queued)
    except (psycopg.OperationalError, StoreUnavailableError):
        raise unavailable() from None
    return refusal(error) if in_queue else refusal(ApplicationNotFoundError(case_id))


def _sheet(result: CommandResult, answer: ApplicationView, key: str) -> SheetRecorded:
    """An NEC member's recorded sheet: the case named by its code only (the answer's other
    fields are not shown to an expert)."""
    return SheetRecorded(
        application_id=str(result.application_id),  # type: ignore[arg-type]
        applicant_code=answer.applicant_code,
        version=result.version,
        replayed=result.replayed,
        idempotency_key=key,
    )


def _invalid(error: InvalidInputError) -> InvalidInput:
    return InvalidInput(
        message=str(error),
        field_errors=[
            FieldProblem(field=e.field, rule=e.rule, message=e.message) for e in error.errors
        ],
    )
