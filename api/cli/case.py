"""``bolashak case``: send any command to a case, show a case and its history."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from api.cli.common import (
    BACKDATING_HELP,
    BUSINESS_DATE_HELP,
    business_clock,
    business_date,
    console,
    err_console,
    print_json,
    reports_errors,
    settings,
)
from domain.case.meta import CommandContext, Role
from domain.registry import BY_NAME
from domain.service import CommandResult
from infra.audit import replay
from infra.case_view import case_view, event_view
from infra.container import build_reader, build_service
from infra.inputs import build

app = typer.Typer(help="Case work: commands, state and history.", no_args_is_help=True)
COMMANDS = {name: spec.command for name, spec in BY_NAME.items()}
KEY_HELP = "Idempotency key: repeating a command with the same key stores nothing new."


@app.command("run")
@reports_errors
def run(
    command: str = typer.Argument(..., help=f"One of: {', '.join(COMMANDS)}."),
    data: str = typer.Option("{}", help="The command's fields as JSON (camelCase)."),
    data_file: Path | None = typer.Option(None, help="Read the JSON from this file instead."),
    key: str = typer.Option("", help=KEY_HELP + " Default: a new random key."),
    on: str = typer.Option("", help=BUSINESS_DATE_HELP),
    actor: str = typer.Option("cli", help="Who is acting (user id)."),
    role: Role = typer.Option(Role.OFFICER, help="The actor's role."),
    reason: str = typer.Option("", help="Reason or comment recorded with the event."),
    backdating_reason: str = typer.Option("", help=BACKDATING_HELP),
) -> None:
    """Send one command, e.g. ``bolashak case run award --data '{"applicationId": ...}'``."""
    if command not in COMMANDS:
        err_console.print(escape(f"unknown command {command!r}; one of: {', '.join(COMMANDS)}"))
        raise typer.Exit(2)
    payload = _payload(data, data_file)
    cmd = build(COMMANDS[command], payload)
    clock = business_clock()
    ctx = CommandContext(
        actor_id=actor,
        role=role,
        idempotency_key=key or str(uuid.uuid4()),
        occurred_on=business_date(on, clock),
        reason=reason,
        backdating_reason=backdating_reason,
    )
    service = build_service(settings(), clock=clock)
    result: CommandResult = service.handle(cmd, ctx)
    print_json(
        {
            "applicationId": str(result.application_id),
            "version": result.version,
            "replayed": result.replayed,
            "idempotencyKey": ctx.idempotency_key,
        }
    )
    service.close()


@app.command("show")
@reports_errors
def show(
    application_id: uuid.UUID,
    personal: bool = typer.Option(False, help="Include personal data (restricted)."),
    version: int | None = typer.Option(None, help="As of this version."),
) -> None:
    """A case's current state (or as of a version)."""
    reader = build_reader(settings())
    print_json(case_view(reader.get_case(application_id, version), with_personal_data=personal))


@app.command("history")
@reports_errors
def history(
    application_id: uuid.UUID,
    personal: bool = typer.Option(False, help="Include personal data (restricted)."),
) -> None:
    """Every event of a case with its metadata, in order."""
    for event in replay.from_store(build_reader(settings()), application_id).events:
        print_json(event_view(event, with_personal_data=personal))


def _payload(data: str, data_file: Path | None) -> Any:
    text = data_file.read_text(encoding="utf-8") if data_file else data
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        err_console.print(escape(f"--data is not valid JSON: {e}"))
        raise typer.Exit(2) from None


__all__ = ["app", "console"]
