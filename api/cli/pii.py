"""``bolashak pii``: erase an applicant's personal data (the admin's step under the law on
personal data), by application or by IIN (every application of that person).

The erasure is recorded as a ``PersonalDataErased`` event on each case (who, when, why),
then the case's data key is destroyed. Running it again completes an erasure whose key
deletion was interrupted, and records nothing new.
"""

from __future__ import annotations

import uuid

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
from api.cli.errors import NotFoundError
from domain import commands as c
from domain.errors import InvalidInputError
from domain.iin import InvalidIinError, validate_iin
from infra.case_store import CaseService
from infra.container import build_service, view_database
from infra.settings import Settings
from projections.queries import cases_of_iin

app = typer.Typer(help="Personal data: erasure.", no_args_is_help=True)


@app.command("erase")
@reports_errors
def erase(
    application: uuid.UUID | None = typer.Option(None, help="The application to erase."),
    iin: str = typer.Option("", help="Or: every application of the person with this IIN."),
    reason: str = typer.Option(..., help="Why (recorded with the erasure event)."),
    actor: str = typer.Option("cli-admin", help="Who is erasing (user id)."),
    on: str = typer.Option("", help=BUSINESS_DATE_HELP),
    backdating_reason: str = typer.Option("", help=BACKDATING_HELP),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Erase the personal data of one application, or of every application of a person."""
    if (application is None) == (not iin):
        err_console.print("give exactly one of --application and --iin")
        raise typer.Exit(2)
    current = settings()
    clock = business_clock()
    service = build_service(current, clock=clock)
    try:
        targets = [application] if application is not None else _by_iin(current, service, iin)
        if not targets:
            raise NotFoundError(f"no application of IIN {iin} in the case list")
        if not yes and not typer.confirm(
            f"Erase the personal data of {len(targets)} application(s)? This cannot be undone."
        ):
            raise typer.Exit(1)
        for target in targets:
            ctx = admin_context(actor, reason, on, backdating_reason, clock)
            result = service.handle(c.ErasePersonalData(target), ctx)
            print_json(
                {
                    "applicationId": str(result.application_id),
                    "version": result.version,
                    "replayed": result.replayed,
                }
            )
    finally:
        service.close()


def _by_iin(current: Settings, service: CaseService, iin: str) -> list[uuid.UUID]:
    """The person's applications, from the restricted table of the case list (found by
    the IIN's keyed digest: the table holds no IIN)."""
    try:
        validate_iin(iin)
    except InvalidIinError as e:
        raise InvalidInputError.single("iin", e.rule, str(e)) from None
    db = view_database(current, service.events_table())
    try:
        found = cases_of_iin(db, service.sealer, iin)
    finally:
        db.close()
    return [uuid.UUID(case_id) for case_id in found]
