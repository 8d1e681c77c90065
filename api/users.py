"""The user directory, as a request sees it: a token's subject must be an active user
registered with the token's role.

A user found in the directory is remembered for ``RECHECK_SECONDS``: disabling a user (or
changing its role) takes effect within that time for every token, cached or not (the
token cache only remembers signatures). A user not found is looked up again on each
request (only a correctly signed token gets this far), so a user just added is let in at
once.
"""

from __future__ import annotations

import logging
import sqlite3
import time

import psycopg

from api.auth import AuthError, Principal
from api.errors import BusyError
from api.view_pool import ViewPool
from infra import users
from infra.users import ApiUser

log = logging.getLogger(__name__)
RECHECK_SECONDS = 2.0
_REMEMBERED = 4096


class DirectoryUnavailableError(Exception):
    """The directory could not be read (the database is down): retry shortly."""


class ActiveUsers:
    def __init__(self, views: ViewPool, recheck_seconds: float = RECHECK_SECONDS) -> None:
        self._views = views
        self._recheck = recheck_seconds
        self._known: dict[str, tuple[ApiUser, float]] = {}

    async def admit(self, principal: Principal) -> Principal:
        """The principal, when the directory lets it in; else ``AuthError`` saying why."""
        user = await self._lookup(principal.user_id)
        if user is None:
            raise AuthError("unknown user: the token's subject is not in the user directory")
        if not user.active:
            raise AuthError("the token's user is disabled")
        if user.role is not principal.role:
            raise AuthError("missing role: the token's user does not hold the role it names")
        return principal

    async def _lookup(self, user_id: str) -> ApiUser | None:
        now = time.monotonic()
        remembered = self._known.get(user_id)
        if remembered is not None and remembered[1] > now:
            return remembered[0]
        try:
            found = await self._views.run(lambda db: users.find(db, user_id))
        except (psycopg.Error, sqlite3.Error, BusyError) as e:
            log.warning("the user directory cannot be read (%s); answering 503", type(e).__name__)
            raise DirectoryUnavailableError(type(e).__name__) from None
        if found is not None:
            if len(self._known) >= _REMEMBERED:
                self._known.clear()
            self._known[user_id] = (found, now + self._recheck)
        return found
