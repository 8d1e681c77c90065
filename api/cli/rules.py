"""``bolashak rules``: the regulations as versioned rulesets, with their sources."""

from __future__ import annotations

from datetime import date

import typer
from rich import box
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from api.cli.common import business_clock, console, print_json, reports_errors
from api.cli.errors import NotFoundError
from domain.rules import catalog
from domain.rules.ruleset import Ruleset
from infra.case_view import plain

app = typer.Typer(help="Rulesets (regulations as data).", no_args_is_help=True)

STATUS_WIDTH = len("in force")
PERIOD_WIDTH = len("2023-01-01 – 2023-12-31")
KIND_WIDTH = 12  # kind and source fold; narrower, the table is hard to read
SOURCE_WIDTH = len("001_ae4fa7f8f80c9f9c.txt")
TABLE_FRAME = 2 * 6 + 7  # a space each side of six columns, five rules between, two edges


@app.command("list")
def list_rulesets(
    kind: str = typer.Option("", help="Only rulesets of this kind."),
    policy: bool = typer.Option(
        False, "--policy", help="Only CIP policy: rulesets that are policy or hold policy rows."
    ),
) -> None:
    """Every ruleset: full id, status today (BOLASHAK_TODAY in tests), kind, effective period,
    whether it is CIP policy, and its sources. Ids are never cut: on a terminal too narrow for
    the table, each ruleset is printed as a block under its id."""
    today = business_clock().today()
    shown = [
        r
        for r in sorted(catalog.all_rulesets().values(), key=lambda r: (r.kind, r.id))
        if (not kind or r.kind == kind) and (not policy or r.has_policy)
    ]
    id_width = max((len(r.id) for r in shown), default=len("id"))
    fixed = id_width + STATUS_WIDTH + PERIOD_WIDTH + len("policy")
    fits = fixed + KIND_WIDTH + SOURCE_WIDTH + TABLE_FRAME
    if console.width >= fits:
        console.print(_table(shown, today, id_width))
        return
    for r in shown:
        console.print(Text(r.id, style="bold"), soft_wrap=True)  # one line, however narrow
        details = Table.grid(padding=(0, 1))
        details.add_column(no_wrap=True)
        details.add_column(overflow="fold")
        details.add_row("status", r.status_on(today).value)
        details.add_row("kind", r.kind)
        details.add_row("effective", _period(r))
        details.add_row("policy", _policy(r) or "no")
        details.add_row("source", _sources(r))
        console.print(Padding(details, (0, 0, 0, 2), expand=False))


def _table(rulesets: list[Ruleset], today: date, id_width: int) -> Table:
    table = Table(title=f"rulesets on {today.isoformat()}", box=box.SIMPLE_HEAD)
    table.add_column("id", no_wrap=True, min_width=id_width)
    table.add_column("status", no_wrap=True, min_width=STATUS_WIDTH)
    table.add_column("kind", overflow="fold", min_width=KIND_WIDTH)
    table.add_column("effective", no_wrap=True, min_width=PERIOD_WIDTH)
    table.add_column("policy", no_wrap=True)
    table.add_column("source", overflow="fold", min_width=SOURCE_WIDTH)
    for r in rulesets:
        row = (r.id, r.status_on(today).value, r.kind, _period(r), _policy(r), _sources(r))
        table.add_row(*(Text(cell) for cell in row))
    return table


def _sources(r: Ruleset) -> str:
    """Seed files and lines, one a line, without the sections (``rules show`` has them)."""
    return "\n".join(f"{s.seed} lines {s.lines}" if s.lines else s.seed for s in r.sources)


def _period(r: Ruleset) -> str:
    return f"{r.effective_from or '…'} – {r.effective_to or '…'}"


def _policy(r: Ruleset) -> str:
    """ "policy" for a ruleset that is CIP policy, "rows" for one holding policy rows."""
    if r.policy:
        return "policy"
    return "rows" if r.policy_rows else ""


@app.command("show")
@reports_errors
def show(ruleset_id: str) -> None:
    """One ruleset in full (JSON), with ``policy`` (the whole ruleset is CIP policy) and
    ``policy_rows`` (where its rows or blocks marked as policy are)."""
    try:
        ruleset = catalog.get(ruleset_id)
    except catalog.UnknownRulesetError as e:
        raise NotFoundError(str(e)) from None
    print_json({**plain(ruleset), "policy_rows": list(ruleset.policy_rows)})
