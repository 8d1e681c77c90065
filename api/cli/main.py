"""``bolashak``: the command-line entry point for every operation of the system."""

from __future__ import annotations

import typer

from api.cli import (
    audit,
    case,
    dashboard,
    db,
    deadlines,
    demo,
    health,
    pii,
    projections,
    relay,
    rules,
    serve,
    users,
)

app = typer.Typer(
    name="bolashak",
    help="Case management for the Bolashak international scholarship (CIP).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(db.app, name="db")
app.add_typer(rules.app, name="rules")
app.add_typer(case.app, name="case")
app.add_typer(projections.app, name="projections")
app.add_typer(deadlines.app, name="deadlines")
app.add_typer(audit.app, name="audit")
app.add_typer(pii.app, name="pii")
app.command("demo")(demo.demo)
app.command("dashboard")(dashboard.dashboard)
app.command("serve")(serve.serve)
app.command("token")(serve.token)
app.add_typer(serve.schema_app, name="schema")
app.add_typer(relay.app, name="relay")
app.add_typer(users.app, name="users")
app.command("consume")(relay.consume)
app.command("health")(health.health)


if __name__ == "__main__":
    app()
