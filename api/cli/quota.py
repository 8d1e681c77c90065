"""``bolashak quota``: the campaigns' quota ledgers, an operator's side.

``carry-over`` is the step of upgrading a store written before the ledgers: it gives a
campaign's ledger a place for each award already stored (``infra/awards_before_ledger.py``,
``CommandHandler.carry_over_awards``). The places, the quotas and their history are read
through ``quotas(year)``, ``quotaHistory`` and ``bolashak audit history --quota``.
"""

from __future__ import annotations

import typer

from api.cli.common import (
    BACKDATING_HELP,
    BUSINESS_DATE_HELP,
    admin_context,
    business_clock,
    err_console,
    print_json,
    reports_errors,
    settings,
)
from infra.awards_before_ledger import awarded_cases
from infra.container import build_service

app = typer.Typer(
    help="Quota ledgers: carrying over awards stored before them.", no_args_is_help=True
)


@app.command("carry-over")
@reports_errors
def carry_over(
    year: int = typer.Option(..., help="The campaign year whose ledger gets the awards."),
    reason: str = typer.Option(..., help="Why (recorded with the ledger's events)."),
    actor: str = typer.Option("cli-admin", help="Who is carrying over (user id)."),
    on: str = typer.Option("", help=BUSINESS_DATE_HELP),
    backdating_reason: str = typer.Option("", help=BACKDATING_HELP),
) -> None:
    """Give the campaign's quota ledger a place for every award stored before it was opened
    (opening it if need be); awards beyond the places are recorded as overrides. Running it
    again adds nothing."""
    clock = business_clock()
    service = build_service(settings(), clock=clock)
    try:
        err_console.print("reading the log for stored awards ...")
        candidates = awarded_cases(
            service, lambda n: err_console.print(f"  {n} cases with an award so far")
        )
        ctx = admin_context(actor, reason, on, backdating_reason, clock)
        done = service.handler.carry_over_awards(year, candidates, ctx)
    finally:
        service.close()
    print_json(
        {
            "campaignYear": done.campaign_year,
            "casesWithAnAward": len(candidates),
            "reserved": done.reserved,
            "returned": done.returned,
            "overrides": done.overrides,
            "ledgerVersion": done.ledger_version,
        }
    )
