"""What every CLI command shares: settings, the console, and errors as messages."""

from __future__ import annotations

import functools
import json
import signal
import threading
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from api.cli.errors import debugging, report
from domain.case.meta import CommandContext, Role
from domain.clock import Clock, FixedClock, SystemClock
from domain.errors import DomainError, InvalidInputError
from infra.observability.startup import start_process
from infra.settings import Settings, SettingsError

console = Console()
err_console = Console(stderr=True, soft_wrap=True)
P = ParamSpec("P")
R = TypeVar("R")


def settings() -> Settings:
    """The process's settings (the environment's ``BOLASHAK_*``), or the command ends with
    the refusal and exit status 2."""
    try:
        return Settings.from_env()
    except SettingsError as e:
        err_console.print(f"[red]setting error:[/red] {escape(str(e))}")
        raise typer.Exit(2) from None


def production_mode() -> bool:
    return settings().production


def business_clock() -> Clock:
    """The clock every command's "today" comes from (the business date a command takes
    when none is given, and the day its date is checked against): the system clock in
    Astana; ``BOLASHAK_TODAY`` (YYYY-MM-DD) fixes it for simulations and tests (refused
    in production)."""
    fixed = settings().today
    return SystemClock() if fixed is None else FixedClock(fixed)


BUSINESS_DATE_HELP = "Business date (YYYY-MM-DD). Default: today (BOLASHAK_TODAY when set)."
BACKDATING_HELP = (
    "An admin's reason for a business date more than BOLASHAK_BACKDATING_WINDOW_DAYS"
    " before today (kept with the event)."
)


def business_date(on: str, clock: Clock) -> date:
    """A command's ``--on``, or the business clock's today."""
    return parsed_date("--on", on) if on else clock.today()


def parsed_date(option: str, value: str) -> date:
    """An option's date (YYYY-MM-DD), or an input error naming the option."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError.single(
            option, "date_format", f"must be a date like 2023-04-28, not {value!r}"
        ) from None


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Errors a person can act on end the command with their one line and exit status
    (``api/cli/errors.py``: the same table whichever way the command is run)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (DomainError, SettingsError) as e:
            if debugging():
                raise
            status = report(e)
            if status is None:
                raise
            raise typer.Exit(status) from None

    return wrapper


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM: a worker's loop ends cleanly on either."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def observe_process(process: str, *, worker_metrics: bool = False, **facts: Any) -> None:
    """Structured logs (``BOLASHAK_LOG_FORMAT``, ``BOLASHAK_LOG_LEVEL``) and traces for a
    long-running process, its startup line, and for a worker of its own its ``/metrics``
    on ``BOLASHAK_METRICS_PORT`` (``infra/observability/startup.py``)."""
    start_process(process, settings(), worker_metrics=worker_metrics, **facts)


def print_json(data: Any) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))


def admin_context(
    actor: str, reason: str, on: str, backdating_reason: str, clock: Clock
) -> CommandContext:
    """An admin's step from the command line (an erasure, a carry-over): its own
    idempotency key, the business date of ``--on`` or today, the reasons given."""
    return CommandContext(
        actor_id=actor,
        role=Role.ADMIN,
        idempotency_key=str(uuid.uuid4()),
        occurred_on=business_date(on, clock),
        reason=reason,
        backdating_reason=backdating_reason,
    )
