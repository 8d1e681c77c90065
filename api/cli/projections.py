"""``bolashak projections``: the read-model worker, rebuilds, lag and dead letters."""

from __future__ import annotations

import time

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli import common
from api.cli.common import console, err_console, reports_errors, settings, stop_on_signals
from infra.container import build_projection_engine, listen_dsn, projection_engine_factory
from infra.log_follower import follow_projections
from infra.observability.workers import ProjectionWatch
from projections.engine import ProjectionEngine
from projections.rebuild import check_processes, default_processes, rebuild_many

app = typer.Typer(help="Read models: run, rebuild, status, retry.", no_args_is_help=True)
NAMES_HELP = "Projection names (default: all)."


@app.command("run")
@reports_errors
def run(
    names: list[str] = typer.Argument(None, help=NAMES_HELP),
    once: bool = typer.Option(False, help="Catch up to the head of the log, then exit."),
    page_size: int = typer.Option(2000, min=1, help="Notifications per transaction."),
) -> None:
    """Follow the event log and keep the read models up to date (a worker process)."""
    engine = _engine(names)
    engine.page_size = page_size
    if not once:
        common.observe_process(
            "projections", worker_metrics=True, projections=[p.name for p in engine.projections]
        )
    if once:
        consumed = engine.run_until_head()
        console.print(f"processed {consumed} notifications; head {engine.head()}")
        return
    stop = stop_on_signals()
    console.print(f"following the event log for {', '.join(p.name for p in engine.projections)}")
    follow_projections(engine, stop, listen_dsn(settings()), after_batch=ProjectionWatch(engine))


@app.command("rebuild")
@reports_errors
def rebuild(
    names: list[str] = typer.Argument(None, help=NAMES_HELP),
    processes: int = typer.Option(
        0,
        min=0,
        help="Processes replaying shares of the cases at once (PostgreSQL; 0: one per core,"
        " at most 4, for a log of 50,000 events or more, else 1).",
    ),
) -> None:
    """Replay the log into fresh tables and swap them in; queries keep working meanwhile.

    The projections named (all by default) are rebuilt together, in one pass over the log.
    """
    engine = _engine(names)
    try:
        check_processes(engine, processes)
    except ValueError as e:
        err_console.print(f"--processes: {e}")
        raise typer.Exit(2) from None
    processes = processes or default_processes(engine)
    chosen = [p.name for p in engine.projections]
    factory = projection_engine_factory(settings(), chosen)
    started = time.perf_counter()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f} events"),
        TextColumn("{task.fields[rate]:,.0f} events/s"),
        TimeElapsedColumn(),
    )
    label = ", ".join(p.name for p in engine.projections)
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(label, total=engine.head() or 1, rate=0.0)

        def show(position: int, head: int) -> None:
            rate = position / max(time.perf_counter() - started, 1e-9)
            bar.update(task, completed=position, total=max(head, 1), rate=rate)

        report = rebuild_many(engine, chosen, show, processes=processes, factory=factory)
    console.print(
        f"{label}: {report.events:,} events in {report.seconds:.1f}s"
        f" ({report.events_per_second:,.0f} events/s, {processes} process"
        f"{'es' if processes > 1 else ''}), position {report.position},"
        f" {report.parked} parked"
    )


@app.command("status")
@reports_errors
def status(
    names: list[str] = typer.Argument(None, help=NAMES_HELP),
    max_lag: int | None = typer.Option(
        None, help="Exit with status 1 when a projection is further behind (health checks)."
    ),
) -> None:
    """Each projection's position against the head of the log, and its dead letters."""
    engine = _engine(names)
    table = Table("projection", "position", "head", "lag", "dead letters", "version")
    found = engine.status()
    for s in found:
        version = f"{s.version}" + (" (rebuild needed)" if s.needs_rebuild else "")
        table.add_row(
            s.name, str(s.position), str(s.head), str(s.lag), str(s.dead_letters), version
        )
    console.print(table)
    if max_lag is not None and any(s.lag > max_lag for s in found):
        raise typer.Exit(1)


@app.command("retry")
@reports_errors
def retry(
    name: str = typer.Argument(..., help="The projection whose dead letters to retry."),
) -> None:
    """Re-process a projection's parked events after a fix."""
    engine = _engine([name])
    done, remaining = engine.retry(name)
    console.print(f"{name}: {done} event(s) processed, {remaining} still parked")
    if remaining:
        raise typer.Exit(1)


def _engine(names: list[str] | None) -> ProjectionEngine:
    try:
        return build_projection_engine(settings(), names or None)
    except KeyError as e:
        err_console.print(escape(str(e.args[0])))
        raise typer.Exit(2) from None
