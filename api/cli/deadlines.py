"""``bolashak deadlines``: the contract deadline job."""

from __future__ import annotations

import typer

from api.cli.common import (
    business_clock,
    console,
    observe_process,
    parsed_date,
    reports_errors,
    settings,
    stop_on_signals,
)
from domain.clock import FixedClock
from infra.container import build_deadline_job

app = typer.Typer(help="The 90-day contract deadline job.", no_args_is_help=True)


@app.command("run")
@reports_errors
def run(
    once: bool = typer.Option(False, help="One pass over the overdue deadlines, then exit."),
    today: str = typer.Option("", help="Run as if today were this date (YYYY-MM-DD)."),
    interval: float = typer.Option(60.0, help="Seconds between passes when following."),
) -> None:
    """Revoke the status where contracts were not signed within 90 days of the award."""
    current = settings()
    clock = FixedClock(parsed_date("--today", today)) if today else business_clock()
    job = build_deadline_job(current, clock)
    if once:
        result = job.run_recorded()
        console.print(result.summary())
        for case_id in result.revoked:
            console.print(f"  revoked {case_id}")
        return
    observe_process("deadlines", worker_metrics=True, business_date=clock.today().isoformat())
    stop = stop_on_signals()
    console.print(f"following the contract deadlines as of {clock.today()}, every {interval:g}s")
    job.follow(stop, interval)
