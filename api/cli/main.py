"""``bolashak``: the command-line entry point for every operation of the system."""

from __future__ import annotations

from importlib.metadata import version

import typer

from api.cli import (
    audit,
    case,
    dashboard,
    db,
    deadlines,
    demo,
    health,
    intake,
    pii,
    projections,
    quota,
    relay,
    rules,
    serve,
    users,
)
from api.cli.errors import ReadableErrors, show_tracebacks

app = typer.Typer(
    name="bolashak",
    help="Case management for the Bolashak international scholarship (CIP).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    cls=ReadableErrors,
)


def _print_version(asked: bool) -> None:
    if asked:
        print(f"bolashak {version('bolashak-cases')}")
        raise typer.Exit()


@app.callback()
def main(
    debug: bool = typer.Option(
        False, "--debug", help="Show an error's traceback instead of its one line."
    ),
    _version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """Case management for the Bolashak international scholarship (CIP)."""
    show_tracebacks(debug)


app.add_typer(db.app, name="db")
app.add_typer(rules.app, name="rules")
app.add_typer(case.app, name="case")
app.add_typer(projections.app, name="projections")
app.add_typer(deadlines.app, name="deadlines")
app.add_typer(audit.app, name="audit")
app.add_typer(pii.app, name="pii")
app.add_typer(quota.app, name="quota")
app.command("demo")(demo.demo)
app.command("dashboard")(dashboard.dashboard)
app.command("serve")(serve.serve)
app.command("token")(serve.token)
app.add_typer(serve.schema_app, name="schema")
app.add_typer(relay.app, name="relay")
app.add_typer(users.app, name="users")
app.command("consume")(relay.consume)
app.add_typer(intake.app, name="intake")
app.command("health")(health.health)


if __name__ == "__main__":
    app()
