"""``bolashak serve``, ``bolashak token`` and ``bolashak schema``: the GraphQL API."""

from __future__ import annotations

import shutil
from enum import Enum
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from api.auth import API_ROLES, TokenKeys
from api.cli.common import (
    business_clock,
    console,
    err_console,
    observe_process,
    production_mode,
    reports_errors,
    settings,
)
from api.cli.errors import NotFoundError
from domain.case.meta import Role
from infra import users
from infra.container import jwt_secret, user_directory
from infra.cpu_pinning import pin_this_process
from infra.observability.metrics import multiprocess_folder
from infra.users import UserDirectoryError

if TYPE_CHECKING:
    from starlette.applications import Starlette


class TokenRole(Enum):
    """The roles a token is minted for: those of the API's users (``API_ROLES``), not the
    applicant's (eGov) nor the system's."""

    OFFICER = Role.OFFICER.value
    EXPERT = Role.EXPERT.value
    COMMISSION = Role.COMMISSION.value
    AUDITOR = Role.AUDITOR.value
    ADMIN = Role.ADMIN.value


assert {r.value for r in TokenRole} == {r.value for r in API_ROLES}

schema_app = typer.Typer(help="The GraphQL schema (SDL).", no_args_is_help=True)


@reports_errors
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers_in_process: bool | None = typer.Option(
        None,
        "--workers-in-process/--no-workers-in-process",
        help="Run projections and the deadline job here (default: yes on SQLite, no on "
        "PostgreSQL, where they are their own processes).",
    ),
    workers: int = typer.Option(
        1,
        min=1,
        help="Server processes sharing the port (PostgreSQL only; one per core is typical),"
        " each pinned to a core of its own unless BOLASHAK_PIN_SERVER_PROCESSES=false.",
    ),
) -> None:
    """Serve GraphQL at http://HOST:PORT/graphql (GraphiQL in development mode)."""
    import uvicorn

    from api.app import ServerOptions, create_app
    from infra.database import init_schema

    current = settings()
    production = production_mode()
    embedded = current.database.kind != "postgres"
    in_process = embedded if workers_in_process is None else workers_in_process
    if workers > 1 and embedded:
        err_console.print("--workers: more than one server process needs PostgreSQL")
        raise typer.Exit(2)
    if workers > 1 and in_process:
        err_console.print(
            "--workers: projections and the deadline job run once, as their own processes "
            "(bolashak projections run, bolashak deadlines run), not in every server process"
        )
        raise typer.Exit(2)
    if embedded:
        init_schema(current)  # one process owns the embedded store: safe to create here
    try:  # also writes the development key once
        TokenKeys(jwt_secret(current, production=production))
    except ValueError as e:
        err_console.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    today = business_clock()
    mode = "production" if production else "development (GraphiQL on)"
    console.print(
        f"GraphQL at http://{host}:{port}/graphql, {mode}, store {current.database.redacted()}"
        + (f", {workers} processes" if workers > 1 else "")
    )
    # the server's processes count into one folder that any of them answers /metrics from
    shared = multiprocess_folder(current.prometheus_multiproc_dir, workers)
    if workers > 1:  # each process builds its own app from the same environment
        target: str | Starlette = f"{__name__}:{server_process_app.__name__}"
    else:  # built first: a store it cannot reach is one line of error, not a started server
        target = create_app(
            current, ServerOptions(production=production, in_process_workers=in_process), today
        )
    observe_process("serve", host=host, port=port, workers=workers, in_process_workers=in_process)
    try:
        uvicorn.run(
            target,
            host=host,
            port=port,
            log_level="warning",
            log_config=None,  # the process's own logging (infra/observability/logs.py)
            access_log=False,  # the app logs each request (infra/observability/access.py)
            ws="websockets-sansio",
            factory=workers > 1,
            workers=workers if workers > 1 else None,
        )
    finally:
        if shared.made:
            shutil.rmtree(shared.path, ignore_errors=True)


def server_process_app() -> Starlette:
    """The app of one of several server processes (``--workers``), from the environment
    its parent checked."""
    from api.app import ServerOptions, create_app

    current = settings()  # checked by the parent process
    cpu = None
    if current.pin_server_processes and current.prometheus_multiproc_dir:
        cpu = pin_this_process(current.prometheus_multiproc_dir)  # before any thread starts
    observe_process("serve-process", cpu=cpu)
    options = ServerOptions(production=current.production, in_process_workers=False)
    return create_app(current, options, business_clock())


@reports_errors
def token(
    role_name: TokenRole = typer.Option(
        ..., "--role", help="The role the token carries (the roles of the API's users)."
    ),
    user: str = typer.Option(..., help="The user's id (recorded as the actor)."),
    hours: float = typer.Option(
        8.0, help="Validity in hours: at most BOLASHAK_TOKEN_MAX_HOURS (12 by default)."
    ),
) -> None:
    """Mint a bearer token (signed with BOLASHAK_JWT_SECRET) for an active user of the
    directory holding ROLE (bolashak users add). In development mode an unknown user is
    registered with ROLE first; production refuses it."""
    role = Role(role_name.value)
    production = production_mode()
    current = settings()
    if not 0 < hours * 3600 <= current.token_max_hours * 3600:
        err_console.print(
            f"--hours must be more than 0 and at most {current.token_max_hours}"
            " (BOLASHAK_TOKEN_MAX_HOURS)"
        )
        raise typer.Exit(2)
    try:
        keys = TokenKeys(jwt_secret(current, production=production), current.token_max_hours * 3600)
    except ValueError as e:
        err_console.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    with user_directory(current, create=not production) as db:
        found = users.find(db, user)
        if found is None and not production:
            err_console.print(escape(users.add(db, user, role)) + " (development mode)")
            found = users.find(db, user)
    if found is None:
        raise NotFoundError(f"user: no user {user!r} in the directory (bolashak users add)")
    if not found.active:
        raise UserDirectoryError(f"user: {user} is disabled")
    if found.role is not role:
        held = found.role.value
        raise UserDirectoryError(f"role: missing role: {user} is {held}, not {role.value}")
    print(keys.mint(user, role, int(hours * 3600)))


@schema_app.command("export")
def export() -> None:
    """Write the schemas' SDL to api/schema.graphql and api/schema.expert.graphql."""
    from api.schema import export as write

    for path in write():
        console.print(f"written {path}")
