"""``bolashak users``: the API's user directory (who may hold a token, in which role)."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from api.cli.common import console, reports_errors
from api.cli.common import settings as current_settings
from domain.case.meta import Role
from infra import users
from infra.container import user_directory

app = typer.Typer(
    help="The API's users: a token is let in only for an active user with the token's role.",
    no_args_is_help=True,
)
ROLE_HELP = "officer, expert, commission, auditor or admin."


@app.command("add")
@reports_errors
def add(
    user: str = typer.Option(..., help="The user's id (recorded as the actor)."),
    role: Role = typer.Option(..., help=ROLE_HELP),
) -> None:
    """Register a user with a role (or enable a disabled one again)."""
    with user_directory(current_settings()) as db:
        console.print(escape(users.add(db, user, role)))


@app.command("disable")
@reports_errors
def disable(user: str = typer.Option(..., help="The user's id.")) -> None:
    """Disable a user: its tokens are refused within seconds (api/users.py RECHECK_SECONDS)."""
    with user_directory(current_settings()) as db:
        console.print(escape(users.disable(db, user)))


@app.command("list")
@reports_errors
def list_users() -> None:
    """Every user, active or not."""
    with user_directory(current_settings()) as db:
        found = users.all_users(db)
    table = Table("user", "role", "active", "created", "disabled", title="API users")
    for u in found:
        table.add_row(
            escape(u.user_id),
            u.role.value,
            "yes" if u.active else "no",
            u.created_at,
            u.disabled_at or "",
        )
    console.print(table)
