"""``bolashak demo``: a synthetic campaign through the real command service."""

from __future__ import annotations

import time

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from api.cli.common import business_clock, console, reports_errors, settings
from infra import users
from infra.container import build_projection_engine, build_service, user_directory
from infra.database import init_schema
from infra.settings import Settings
from infra.simulation.campaign import CampaignSummary, simulate_campaign


@reports_errors
def demo(
    applications: int = typer.Option(300, min=1, help="How many applications to simulate."),
    seed: int = typer.Option(2023, help="Random seed (same seed, same campaign)."),
) -> None:
    """Simulate the 2023 campaign: submissions in the four windows, then every stage.
    Registers the API users officer-1, expert-1, commission-1, auditor-1 and admin-1."""
    current = settings()
    init_schema(current)
    if current.database.kind != "memory":  # the API (and its directory) needs a database
        with user_directory(current) as views:
            added = users.add_demo_users(views)
        console.print(f"API users: {', '.join(users.DEMO_USERS)} ({len(added)} checked)")
    clock = business_clock()
    service = build_service(current.replaying_history(), clock=clock)  # 2023's dates
    started = time.perf_counter()
    columns = (
        *Progress.get_default_columns()[:2],
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("applications", total=applications)
        summary = simulate_campaign(
            service,
            applications,
            seed=seed,
            today=clock.today(),
            progress=lambda n: progress.update(task, completed=n),
        )
    service.close()
    _print_summary(summary, time.perf_counter() - started, current.database.redacted())
    _catch_up_read_models(current)


def _catch_up_read_models(current: Settings) -> None:
    """Brings the read models up to the head of the log (the embedded default runs its
    projections in-process; on PostgreSQL the worker would do the same)."""
    engine = build_projection_engine(current)
    with Progress(*Progress.get_default_columns()[:3], console=console) as progress:
        task = progress.add_task("read models", total=max(engine.head(), 1))
        engine.run_until_head(
            lambda done, head: progress.update(task, completed=done, total=max(head, 1))
        )
    lags = ", ".join(f"{s.name} {s.position}/{s.head}" for s in engine.status())
    console.print(f"read models at the head of the log: {lags}")
    engine.db.close()


def _print_summary(summary: CampaignSummary, seconds: float, where: str) -> None:
    rate = summary.events / seconds if seconds else 0.0
    console.print(
        f"[bold]{summary.applications}[/bold] applications, [bold]{summary.events}[/bold] events"
        f" in {seconds:.1f}s ({rate:,.0f} events/s) into {where}"
    )
    for title, counts in (
        ("stage", summary.by_stage),
        ("intake window", summary.by_window),
        ("programme/category", summary.by_programme),
    ):
        table = Table(title, "cases", title=f"by {title}")
        for key, count in sorted(counts.items()):
            table.add_row(key, str(count))
        console.print(table)
    awarded = sum(n for s, n in summary.by_stage.items() if s not in _NOT_AWARDED)
    console.print(f"awarded so far: {awarded} (annual target {summary.awards_target})")
    if summary.refusals:
        console.print(f"commands refused by a rule along the way: {dict(summary.refusals)}")


_NOT_AWARDED = {
    "submitted",
    "eligible",
    "ineligible",
    "tested",
    "testing_annulled",
    "interview_booked",
    "interviewed",
    "interview_annulled",
    "refused",
    "withdrawn",
}
