"""``bolashak audit``: replay a case, diff versions, export a timeline, verify the chains."""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from api.cli.common import (
    business_clock,
    console,
    err_console,
    observe_process,
    print_json,
    reports_errors,
    settings,
    stop_on_signals,
)
from infra.audit import checkpoints, replay
from infra.audit.export import FORMATS, render, timeline
from infra.audit.verify import VerifyReport, verify_case, verify_store
from infra.case_store import CaseEvents
from infra.container import build_reader, view_database
from projections.sql import ViewDatabase

app = typer.Typer(help="Auditors: replay, diff, export, verify.", no_args_is_help=True)
PERSONAL_HELP = "Include personal data (restricted)."
AS_OF_HELP = (
    "A version (12), a business date (2023-06-12) or a recording time"
    " (2023-06-12T10:00:00+00:00). Default: today."
)


@app.command("history")
@reports_errors
def history(
    application_id: uuid.UUID | None = typer.Argument(None, help="The case (or --quota)."),
    as_of: str = typer.Option("", "--as-of", help=AS_OF_HELP),
    personal: bool = typer.Option(False, help=PERSONAL_HELP),
    quota: int | None = typer.Option(
        None, "--quota", help="A campaign year: its quota ledger's history instead of a case's."
    ),
) -> None:
    """A case (or a campaign's quota ledger, --quota YEAR) as it stood at a moment, and
    every event up to it with its metadata."""
    point = replay.AsOf.parse(as_of) if as_of else replay.WHOLE
    reader = build_reader(settings())
    if quota is not None:
        ledger = replay.quota_replay(reader, reader.mapper, quota, point)
        print_json(
            {
                "campaign_year": quota,
                "ledger_id": str(ledger.ledger_id),
                "as_of_version": ledger.as_of_version,
                "quotas": ledger.view(),
                "events": ledger.records(),
            }
        )
        return
    if application_id is None:
        err_console.print("name a case (APPLICATION_ID), or a campaign year with --quota")
        raise typer.Exit(2)
    found = replay.from_store(reader, application_id, point)
    print_json(
        {
            "application_id": str(application_id),
            "as_of_version": found.as_of_version,
            "state": found.state(with_personal_data=personal),
            "events": found.records(with_personal_data=personal),
        }
    )


@app.command("diff")
@reports_errors
def diff(
    application_id: uuid.UUID,
    from_version: int = typer.Argument(..., help="The earlier version."),
    to_version: int = typer.Argument(..., help="The later version."),
    personal: bool = typer.Option(False, help=PERSONAL_HELP),
) -> None:
    """What changed between two versions of a case: ``field: before -> after``."""
    events = replay.from_store(build_reader(settings()), application_id).events
    found = replay.diff(events, from_version, to_version)
    changes = found.changes + (found.personal_changes if personal else [])
    console.print(f"case {application_id}: version {from_version} -> {to_version}")
    for change in changes:
        console.print(escape(change.text()), highlight=False, soft_wrap=True)
    if not changes:
        console.print("no change")


@app.command("export")
@reports_errors
def export(
    application_id: uuid.UUID,
    fmt: str = typer.Option("html", "--format", help="json or html."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default: stdout)."),
    personal: bool = typer.Option(False, help=PERSONAL_HELP),
) -> None:
    """A human-readable timeline of a case to file (HTML: one self-contained page)."""
    if fmt not in FORMATS:
        err_console.print(escape(f"--format: one of {', '.join(FORMATS)}, not {fmt!r}"))
        raise typer.Exit(2)
    reader = build_reader(settings())
    today = business_clock().today()  # the day the rulesets in force are read for
    data = timeline(reader, application_id, today=today, with_personal_data=personal)
    text = render(data, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err_console.print(f"written: {output}")


@app.command("verify")
@reports_errors
def verify(
    application_id: uuid.UUID | None = typer.Argument(None, help="One case (default: all)."),
) -> None:
    """Recompute the hash chains (per case, and the checkpoints over the log); exit status 1
    when anything no longer matches, naming each case and version."""
    current = settings()
    reader = build_reader(current)
    if application_id is not None:
        report = verify_case(reader, application_id)
    else:
        db = view_database(current, reader.events_table())
        try:
            report = _verify_with_progress(reader, db)
        finally:
            db.close()
    _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


@app.command("checkpoint")
@reports_errors
def checkpoint(
    every: int = typer.Option(
        checkpoints.DEFAULT_EVERY, min=1, help="Events sealed by one checkpoint at most."
    ),
    follow: bool = typer.Option(
        False, help="Keep sealing every --interval seconds until stopped (a worker)."
    ),
    interval: float = typer.Option(300.0, min=1.0, help="Seconds between rounds (--follow)."),
) -> None:
    """Seal the events stored since the last checkpoint (once, or as a worker)."""
    current = settings()
    reader = build_reader(current)
    db = view_database(current, reader.events_table())
    if follow:
        observe_process("audit-checkpoint")
        stop = stop_on_signals()
        console.print(f"sealing checkpoints every {interval:g}s")
        try:
            checkpoints.follow(db, reader.mapper, stop, interval, every)
        finally:
            db.close()
        return
    try:
        made = checkpoints.make(db, reader.mapper, every)
    finally:
        db.close()
    for cp in made:
        span = f"positions {cp.after + 1}-{cp.upto}, {cp.events} events"
        console.print(f"checkpoint #{cp.seq}: {span}, {cp.hash}")
    if not made:
        console.print("nothing new to seal")


def _verify_with_progress(reader: CaseEvents, db: ViewDatabase) -> VerifyReport:
    started = time.perf_counter()
    columns = (
        TextColumn("verify"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f} events"),
        TextColumn("{task.fields[rate]:,.0f} events/s"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("verify", total=db.log_head() or 1, rate=0.0)

        def show(events: int, head: int) -> None:
            rate = events / max(time.perf_counter() - started, 1e-9)
            bar.update(task, completed=events, total=max(head, 1), rate=rate)

        return verify_store(reader, db, show)


def _print_report(report: VerifyReport) -> None:
    for finding in report.findings:
        console.print(escape(finding.text()), highlight=False, soft_wrap=True)
    verdict = "intact" if report.ok else f"{len(report.findings)} mismatch(es)"
    console.print(
        f"{report.events} events in {report.cases} case(s), {report.checkpoints} checkpoint(s):"
        f" {verdict}"
    )
