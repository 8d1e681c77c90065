"""Every command seen from outside: its span, its metrics and its log line.

``observed`` wraps the command handler (``infra/case_store.py::CaseService.handle``):
one line per command (name, case id, outcome, events stored, duration; never its fields,
which may hold personal data), the count by command and outcome and the duration
histogram, and, while tracing is on, a span whose traceparent the command's events keep.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from domain.case.meta import CommandContext
from domain.errors import (
    ApplicationNotFoundError,
    ConcurrencyConflictError,
    DomainError,
    InvalidInputError,
)
from domain.permissions import PermissionDeniedError
from infra.observability import tracing
from infra.observability.metrics import command_seconds, commands_run

log = logging.getLogger("bolashak.commands")
R = TypeVar("R")
_OUTCOMES: tuple[tuple[type[Exception], str], ...] = (
    (PermissionDeniedError, "denied"),
    (InvalidInputError, "invalid"),
    (ApplicationNotFoundError, "not_found"),
    (ConcurrencyConflictError, "conflict"),
    (DomainError, "refused"),
)


def outcome_of(error: BaseException) -> str:
    """A failed command's outcome label."""
    for kind, outcome in _OUTCOMES:
        if isinstance(error, kind):
            return outcome
    return "error"


def observed(
    name: str, command: Any, ctx: CommandContext, run: Callable[[Any, CommandContext], R]
) -> R:
    """``run(command, ctx)``, counted, timed and logged (and traced while tracing is on)."""
    started = time.perf_counter()
    result: Any = None
    outcome = "error"
    try:
        if tracing.enabled():
            with tracing.span(f"command {name}", attributes={"bolashak.command": name}):
                traced = dataclasses.replace(ctx, traceparent=tracing.traceparent())
                result = run(command, traced)
        else:
            result = run(command, ctx)
        outcome = "replayed" if result.replayed else "ok"
        return result  # type: ignore[no-any-return]
    except BaseException as e:
        outcome = outcome_of(e)
        raise
    finally:
        seconds = time.perf_counter() - started
        commands_run(name, outcome).inc()
        command_seconds(name).observe(seconds)
        if log.isEnabledFor(logging.INFO):
            case = getattr(result, "application_id", None) or getattr(
                command, "application_id", None
            )
            log.info(
                "command",
                extra={
                    "command": name,
                    "case_id": str(case) if case else None,
                    "outcome": outcome,
                    "events": len(getattr(result, "events", ())),
                    "duration_ms": round(seconds * 1000, 2),
                },
            )
