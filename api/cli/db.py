"""``bolashak db``: the schema step."""

from __future__ import annotations

import typer

from api.cli.common import console, reports_errors, settings
from infra.database import init_schema

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("init")
@reports_errors
def init() -> None:
    """Create the database (PostgreSQL) and every table; safe to run again."""
    current = settings()
    for line in init_schema(current):
        console.print(f"{current.database.redacted()}: {line}")
