"""Talking to the GraphQL API in tests: a client for the app in process, tokens by role."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from starlette.testclient import TestClient

from api.app import ServerOptions, create_app
from api.auth import TokenKeys
from api.pipeline import Limits
from domain.case.meta import Role
from domain.clock import FixedClock
from infra import users
from infra.container import register_users
from infra.settings import Settings

SECRET = "test-secret-" + "x" * 40
TODAY = date(2026, 11, 22)


@dataclass
class Api:
    client: TestClient
    keys: TokenKeys
    settings: Settings
    registered: dict[str, Role] = field(default_factory=lambda: dict(users.DEMO_USERS))

    def token(self, role: Role, user: str = "") -> str:
        """A token for ``user`` (default: the demo user of the role), registered in the
        user directory with the role first."""
        user = user or f"{role.value}-1"
        if self.registered.get(user) is not role:
            register_users(self.settings, {user: role})
            self.registered[user] = role
        return self.keys.mint(user, role)

    def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        role: Role | None = Role.OFFICER,
        user: str = "",
        headers: dict[str, str] | None = None,
    ) -> Any:
        sent = dict(headers or {})
        if role is not None:
            sent["authorization"] = f"Bearer {self.token(role, user)}"
        return self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=sent
        )

    def data(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        role: Role = Role.OFFICER,
        user: str = "",
    ) -> Any:
        response = self.post(query, variables, role=role, user=user)
        body = response.json()
        assert "errors" not in body, body
        return body["data"]


@contextmanager
def api_for(
    settings: Settings,
    *,
    production: bool = False,
    clock_day: date = TODAY,
    in_process_workers: bool = False,
    limits: Limits | None = None,
) -> Iterator[Api]:
    os.environ["BOLASHAK_JWT_SECRET"] = SECRET  # for the CLI commands a test runs beside it
    settings = settings.model_copy(update={"jwt_secret": SECRET})
    options = ServerOptions(
        production=production,
        in_process_workers=in_process_workers,
        limits=limits or Limits(),
        differential=True,  # every query of these tests also runs on the standard executor
    )
    app = create_app(settings, options, clock=FixedClock(clock_day))
    register_users(settings, users.DEMO_USERS)
    with TestClient(app) as client:
        yield Api(client, TokenKeys(SECRET), settings)
