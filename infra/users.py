"""The API's user directory: who may hold a token, in which role, and whether still active.

One table, ``api_users``, beside the read models (same database: PostgreSQL or the SQLite
file). A token is let in only when its subject is an active user registered with the
token's role (``api/users.py``). Users are never deleted: disabling keeps who they were and
when they stopped, for the audit trail's actor ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.case.meta import Role
from domain.errors import DomainError
from projections.sql import ViewDatabase

TABLE = "api_users"
API_ROLES = (Role.OFFICER, Role.EXPERT, Role.COMMISSION, Role.AUDITOR, Role.ADMIN)
USER_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_COLUMNS = "user_id, role, active, created_at, disabled_at"
DEMO_USERS = {f"{role.value}-1": role for role in API_ROLES}  # officer-1, expert-1, ...


class UserDirectoryError(DomainError):
    """A directory change refused: the message names the field and the rule."""


@dataclass(frozen=True)
class ApiUser:
    user_id: str
    role: Role
    active: bool
    created_at: str
    disabled_at: str | None


def create_table(db: ViewDatabase) -> None:
    with db.transaction() as cur:
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (user_id TEXT PRIMARY KEY,"
            " role TEXT NOT NULL, active BOOLEAN NOT NULL, created_at TEXT NOT NULL,"
            " disabled_at TEXT)"
        )


def checked_user_id(user_id: str) -> str:
    if not USER_ID_PATTERN.fullmatch(user_id):
        raise UserDirectoryError(
            "user: 1 to 64 characters, letters, digits and . _ @ - (starting with a letter or"
            f" digit), got {user_id[:80]!r}"
        )
    return user_id


def find(db: ViewDatabase, user_id: str) -> ApiUser | None:
    rows = db.query(f"SELECT {_COLUMNS} FROM {TABLE} WHERE user_id = %s", (user_id,))
    return _user(rows[0]) if rows else None


def all_users(db: ViewDatabase) -> list[ApiUser]:
    return [_user(r) for r in db.query(f"SELECT {_COLUMNS} FROM {TABLE} ORDER BY user_id")]


def add(db: ViewDatabase, user_id: str, role: Role) -> str:
    """Registers a user (or enables a disabled one, with ``role``); what it did.

    An active user keeps the role it has: a second role is refused (one role per user)."""
    checked_user_id(user_id)
    if role not in API_ROLES:
        allowed = ", ".join(r.value for r in API_ROLES)
        raise UserDirectoryError(f"role: must be one of {allowed}, got {role.value!r}")
    now = _now()
    with db.transaction() as cur:
        cur.execute(f"SELECT {_COLUMNS} FROM {TABLE} WHERE user_id = %s", (user_id,))
        row = cur.fetchone()
        if row is None:
            cur.execute(
                f"INSERT INTO {TABLE} ({_COLUMNS}) VALUES (%s, %s, %s, %s, NULL)",
                (user_id, role.value, True, now),
            )
            return f"added {user_id} ({role.value})"
        existing = _user(row)
        if existing.active and existing.role is role:
            return f"{user_id} is already an active {role.value}"
        if existing.active:
            raise UserDirectoryError(
                f"role: {user_id} is registered as {existing.role.value}; one role per user"
                " (disable it first to change the role)"
            )
        cur.execute(
            f"UPDATE {TABLE} SET role = %s, active = %s, disabled_at = NULL WHERE user_id = %s",
            (role.value, True, user_id),
        )
        return f"enabled {user_id} again ({role.value})"


def add_demo_users(db: ViewDatabase) -> list[str]:
    """The demo's users, one per role (``bolashak demo``, tests): what was done."""
    return [add(db, user_id, role) for user_id, role in DEMO_USERS.items()]


def disable(db: ViewDatabase, user_id: str) -> str:
    with db.transaction() as cur:
        cur.execute(
            f"UPDATE {TABLE} SET active = %s, disabled_at = %s WHERE user_id = %s AND active",
            (False, _now(), user_id),
        )
        changed = cur.rowcount
    if changed:
        return f"disabled {user_id}"
    if find(db, user_id) is None:
        raise UserDirectoryError(f"user: no user {user_id!r} in the directory")
    return f"{user_id} was already disabled"


def _user(row: tuple[object, ...]) -> ApiUser:
    user_id, role, active, created, disabled = row
    gone = None if disabled is None else str(disabled)
    return ApiUser(str(user_id), Role(str(role)), bool(active), str(created), gone)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
