"""``bolashak intake``: the eGov submissions on the inbound Kafka topic sent as
``submitApplication`` (``infra/intake/``), and ``bolashak intake schema``, the published
JSON Schema of the inbound message."""

from __future__ import annotations

import logging

import typer

from api.cli.common import (
    business_clock,
    console,
    err_console,
    observe_process,
    reports_errors,
    settings,
    stop_on_signals,
)
from infra.container import build_intake
from infra.intake import schema
from infra.intake.worker import Tally

log = logging.getLogger("bolashak.intake")
app = typer.Typer(
    help="Turn eGov submissions (CloudEvents on BOLASHAK_KAFKA_INTAKE_TOPIC) into cases.",
    invoke_without_command=True,
)


@app.callback()
@reports_errors
def intake(
    ctx: typer.Context,
    idle_exit: float | None = typer.Option(
        None, help="Exit after this many seconds without a message (scripts, tests)."
    ),
) -> None:
    """Consume the intake topic and submit each application, the message id as its
    idempotency key; refused or malformed messages go to the dead-letter topic.

    Broker BOLASHAK_KAFKA_BOOTSTRAP_SERVERS; topic BOLASHAK_KAFKA_INTAKE_TOPIC (default
    bolashak.intake), dead letters BOLASHAK_KAFKA_INTAKE_DEAD_LETTER_TOPIC (default
    bolashak.intake.dead-letter), group BOLASHAK_KAFKA_INTAKE_GROUP (default bolashak-intake).
    """
    if ctx.invoked_subcommand is not None:
        return
    observe_process("intake", worker_metrics=True)
    config = settings()
    worker = build_intake(config, business_clock())  # a setting refused: exit 2, named
    stop = stop_on_signals()
    kafka = config.kafka
    console.print(
        f"taking submissions from {kafka.intake_topic} as group {kafka.intake_group};"
        f" dead letters to {kafka.intake_dead_letter_topic}"
    )

    def show(tally: Tally) -> None:
        log.info(
            "intake batch",
            extra={
                "submitted": tally.submitted,
                "replayed": tally.replayed,
                "dead_letters": tally.dead_letters,
            },
        )

    try:
        total = worker.run(stop.is_set, idle_exit=idle_exit, on_batch=show)
    finally:
        worker.close()
    console.print(total.text())


@app.command("schema")
def schema_file(
    write: bool = typer.Option(False, help="Write the file (after the command changed)."),
) -> None:
    """Check (or write) the JSON Schema of the inbound message under infra/intake/schemas/."""
    if write:
        console.print(f"written {schema.write()}")
        return
    if schema.differs():
        err_console.print(f"{schema.SCHEMA_FILE.name} differs from the submission's fields")
        raise typer.Exit(1)
    console.print(f"{schema.SCHEMA_FILE.name} matches the submission")
