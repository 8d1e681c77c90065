"""``bolashak rules``: the regulations as versioned rulesets, with their sources."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from domain.rules import catalog
from infra.case_view import plain
from infra.cli.common import console, print_json, reports_errors

app = typer.Typer(help="Rulesets (regulations as data).", no_args_is_help=True)


@app.command("list")
def list_rulesets(kind: str = typer.Option("", help="Only rulesets of this kind.")) -> None:
    """Every ruleset: id, kind, effective period and source."""
    table = Table("id", "kind", "effective", "source")
    for r in sorted(catalog.all_rulesets().values(), key=lambda r: (r.kind, r.id)):
        if kind and r.kind != kind:
            continue
        period = f"{r.effective_from or '…'} – {r.effective_to or '…'}"
        table.add_row(r.id, r.kind, period, r.cite())
    console.print(table)


@app.command("show")
@reports_errors
def show(ruleset_id: str) -> None:
    """One ruleset in full (JSON)."""
    try:
        ruleset = catalog.get(ruleset_id)
    except catalog.UnknownRulesetError as e:
        console.print(f"[red]{escape(str(e))}[/red]")
        raise typer.Exit(1) from None
    print_json(plain(ruleset))
