"""``bolashak dashboard``: the selection funnel of a campaign, from the read model."""

from __future__ import annotations

import typer
from rich.table import Table

from api.cli.common import console, print_json, reports_errors, settings
from infra.case_view import plain
from infra.container import build_projection_engine
from projections import queries


@reports_errors
def dashboard(
    year: int = typer.Option(2023, help="Campaign year."),
    window: int | None = typer.Option(None, help="Only this intake window (1-4)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Funnel, awards against the annual target, pass rates and interview scores."""
    current = settings()
    engine = build_projection_engine(current, ["dashboard"])
    board = queries.dashboard(engine.db, year, window, current.awards_target(year))
    lag = engine.status()[0].lag
    if as_json:
        print_json({**plain(board), "lag": lag})
        return
    funnel = Table(
        "stage", "cases", title=f"campaign {year}" + (f", window {window}" if window else "")
    )
    for stage, count in board.funnel.items():
        funnel.add_row(stage, str(count))
    console.print(funnel)
    work = Table("work left to people", "count")
    for what, count in board.work.items():
        work.add_row(what.replace("_", " "), str(count))
    console.print(work)
    awarded = board.funnel["awarded"]
    console.print(f"awards: {awarded} of a target of {board.awards_target or 'unknown'}")
    rates = ", ".join(f"{k} {v:.0%}" for k, v in board.pass_rates.items() if v is not None)
    console.print(f"pass rates: {rates}")
    scores = ", ".join(f"{k} {v:.2f}" for k, v in board.average_scores.items() if v)
    console.print(f"average interview scores: {scores or 'none yet'}")
    if lag:
        console.print(f"[yellow]the dashboard is {lag} event(s) behind the log[/yellow]")
