"""``bolashak relay`` (publish the event log to Kafka) and ``bolashak consume`` (the example
downstream consumer)."""

from __future__ import annotations

import logging

import typer
from rich.markup import escape
from rich.table import Table

from api.cli.common import (
    console,
    err_console,
    observe_process,
    reports_errors,
    settings,
    stop_on_signals,
)
from infra.container import build_consumer, build_relay
from infra.database import create_database_if_missing
from infra.example_consumer import Tally, new_kafka_consumer
from infra.relay import schemas
from infra.relay import tracking as relay_tracking
from infra.relay.relay import Relay
from infra.settings import SettingsError

log = logging.getLogger("bolashak.consume")
app = typer.Typer(
    help="Publish every event to Kafka (CloudEvents, key = application id).",
    invoke_without_command=True,
)


def _logging(process: str) -> None:
    """The relay reports broker trouble itself: kafka-python's own lines stay quiet."""
    observe_process(process, worker_metrics=process == "relay")


def _relay(page_size: int = 1000, *, publishing: bool = False) -> Relay:
    config = settings()
    try:
        if publishing:
            config.kafka.require_servers()
        return build_relay(config, page_size=page_size)
    except SettingsError as e:
        err_console.print(f"[red]setting error:[/red] {escape(str(e))}")
        raise typer.Exit(2) from None


@app.callback()
def relay(
    ctx: typer.Context,
    once: bool = typer.Option(False, help="Publish up to the head of the log, then exit."),
    page_size: int = typer.Option(1000, min=1, help="Events per acknowledged batch."),
) -> None:
    """Follow the event log from the recorded position and publish every event.

    Broker from BOLASHAK_KAFKA_BOOTSTRAP_SERVERS, topic BOLASHAK_KAFKA_TOPIC (default
    bolashak.application-events), personal data to BOLASHAK_KAFKA_PII_TOPIC only when set.
    """
    if ctx.invoked_subcommand is not None:
        return
    _logging("relay")
    relay = _relay(page_size, publishing=True)
    if once:
        published = relay.run_until_head()
        status = relay.status()
        relay.close()
        console.print(
            f"published {published} events to {status.topic}; position {status.position}"
            f" of {status.head}"
        )
        return
    stop = stop_on_signals()
    status = relay.status()
    console.print(
        f"relaying to {status.topic} from position {status.position} (head {status.head})"
    )
    relay.follow(stop)


@app.command("status")
@reports_errors
def status(
    max_lag: int | None = typer.Option(
        None, help="Exit with status 1 when the relay is further behind (health checks)."
    ),
) -> None:
    """The relay's position against the head of the log, and its last error."""
    relay = _relay()
    found = relay.status()
    relay.close()
    table = Table("topic", "position", "head", "lag", "updated", "last error")
    error = f"{found.last_error} ({found.last_error_at})" if found.last_error else ""
    table.add_row(
        found.topic, str(found.position), str(found.head), str(found.lag), found.updated_at, error
    )
    console.print(table)
    if max_lag is not None and found.lag > max_lag:
        raise typer.Exit(1)


@app.command("reset")
@reports_errors
def reset(
    position: int = typer.Option(..., min=0, help="Publish again from after this position."),
    yes: bool = typer.Option(False, "--yes", help="Confirm: consumers will see duplicates."),
) -> None:
    """Move the relay's position (e.g. to 0 after the broker lost its data)."""
    if not yes:
        err_console.print("resetting republishes events; add --yes to confirm")
        raise typer.Exit(2)
    relay = _relay()
    head = relay.db.log_head()
    if position > head:
        relay.close()
        err_console.print(f"position: {position} is beyond the head of the log ({head})")
        raise typer.Exit(2)
    relay_tracking.reset(relay.db, relay.name, position)
    relay.close()
    console.print(f"{relay.name}: position set to {position} of {head}")


@app.command("schemas")
def schema_files(
    write: bool = typer.Option(False, help="Write the files (after changing an event)."),
) -> None:
    """Check (or write) the JSON Schemas of the messages under infra/relay/schemas/."""
    if write:
        for path in schemas.write():
            console.print(f"written {path}")
        return
    found = schemas.differences()
    for line in found:
        err_console.print(escape(line))
    if found:
        raise typer.Exit(1)
    console.print(f"{len(schemas.generated())} schemas match the events")


@reports_errors
def consume(
    idle_exit: float | None = typer.Option(
        None, help="Exit after this many seconds without a message (scripts, tests)."
    ),
) -> None:
    """Example downstream consumer: a table of cases by status, duplicates dropped by id.

    Group BOLASHAK_KAFKA_CONSUMER_GROUP; its own store BOLASHAK_CONSUMER_DATABASE_URL
    (default: BOLASHAK_DATABASE_URL).
    """
    _logging("consume")
    config = settings()
    try:
        create_database_if_missing(config.consumer_database or config.database)
        consumer = build_consumer(config, new_kafka_consumer(config))
    except SettingsError as e:
        err_console.print(f"[red]setting error:[/red] {escape(str(e))}")
        raise typer.Exit(2) from None
    stop = stop_on_signals()
    console.print(f"consuming {config.kafka.topic} as group {config.kafka.consumer_group}")

    def show(tally: Tally) -> None:
        log.info(
            "consumed batch",
            extra={
                "applied": tally.applied,
                "duplicates": tally.duplicates,
                "rejected": tally.rejected,
            },
        )

    total = consumer.run(stop.is_set, idle_exit=idle_exit, on_batch=show)
    table = Table("status", "cases")
    for name, count in sorted(consumer.by_status().items()):
        table.add_row(name, str(count))
    consumer.close()
    console.print(table)
    console.print(
        f"applied {total.applied}, duplicates dropped {total.duplicates}, rejected {total.rejected}"
    )
