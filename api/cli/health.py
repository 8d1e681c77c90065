"""``bolashak health --worker NAME``: a worker's health check (exit 0 healthy, 1 not).

For the compose file's health checks (Docker reads 0 as healthy and 1 as unhealthy, and
reserves the other codes, so every failure here is 1, a database that does not answer
included). The workers that follow the log are healthy while their position is within
``--max-lag`` events of its head (``BOLASHAK_READY_MAX_LAG`` by default); the periodic
ones, and the eGov intake (a round every 30 s, busy or idle), while their last round
(``infra/worker_runs.py``) succeeded within ``--max-age`` seconds; the example consumer
while its own database answers with its tables. The server's own checks are
``GET /health/live`` and ``/health/ready``.
"""

from __future__ import annotations

from contextlib import closing
from enum import StrEnum

import typer
from rich.markup import escape

from api.cli.common import console, err_console
from infra import system_status, worker_runs
from infra.container import (
    build_projection_engine,
    build_reader,
    consumer_store,
    view_database,
)
from infra.relay import tracking as relay_tracking
from infra.settings import Settings


class Worker(StrEnum):
    """The workers of their own process (``bolashak projections run``, ``relay``,
    ``deadlines run``, ``audit checkpoint --follow``)."""

    projections = "projections"
    relay = "relay"
    deadlines = worker_runs.DEADLINES
    checkpoints = worker_runs.CHECKPOINTS
    consumer = "consumer"  # the example downstream service (bolashak consume)
    intake = worker_runs.INTAKE  # the eGov intake (bolashak intake): its rounds, as periodic ones


# a periodic worker's default: three rounds of the compose file's 300 s missed
MAX_AGE_SECONDS = 900.0


def health(
    worker: Worker = typer.Option(..., help="The worker to check."),
    max_lag: int | None = typer.Option(
        None, min=0, help="projections, relay: events behind the head (BOLASHAK_READY_MAX_LAG)."
    ),
    max_age: float = typer.Option(
        MAX_AGE_SECONDS,
        min=1.0,
        help="deadlines, checkpoints, intake: seconds since the last round.",
    ),
) -> None:
    """Exit 0 when the worker keeps up, 1 (with the reason) when it does not."""
    try:
        problem = _problem(worker, max_lag, max_age)
    except Exception as e:  # the store down, a setting refused: unhealthy all the same
        problem = f"{type(e).__name__}: {e}"
    if problem is not None:
        err_console.print(f"[red]unhealthy:[/red] {escape(problem.splitlines()[0])}")
        raise typer.Exit(1)
    console.print(f"{worker.value}: healthy")


def _problem(worker: Worker, max_lag: int | None, max_age: float) -> str | None:
    settings = Settings.from_env()
    lag = settings.ready_max_lag if max_lag is None else max_lag
    if worker is Worker.projections:
        engine = build_projection_engine(settings)
        with closing(engine.db):  # the log's reader closes with the process
            return system_status.projections_behind(engine.status(), lag)
    if worker is Worker.relay:
        name = relay_tracking.name_for(settings.kafka.topic)
        reader = build_reader(settings)
        with closing(reader), closing(view_database(settings, reader.events_table())) as db:
            return system_status.relay_behind(db, name, lag)
    if worker is Worker.consumer:
        with closing(consumer_store(settings)) as db:
            return system_status.consumer_store_unreadable(db)
    with closing(view_database(settings)) as db:
        return system_status.round_overdue(db, worker.value, max_age)
