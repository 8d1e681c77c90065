"""The health endpoints and ``systemStatus`` of a real ``bolashak serve``: on SQLite in
development, and on PostgreSQL in production with two server processes and the
projections worker of its own, as the compose stack runs them."""

from __future__ import annotations

import httpx
import pytest

from domain.case.meta import Role
from tests.e2e.conftest import LiveServer, ServerSpec

STATUS = (
    "{ systemStatus { __typename ... on SystemStatus { logHead projections { name lag } }"
    " ... on NotAllowed { role } } }"
)


@pytest.mark.parametrize(
    "live_server",
    [ServerSpec("sqlite"), ServerSpec("postgres", production=True, processes=2)],
    indirect=True,
    ids=lambda s: s.id,
)
def test_health_answers_a_status_without_a_token_and_admins_see_the_details(
    live_server: LiveServer,
) -> None:
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:
        for _ in range(4):  # each of the server processes, whichever answers
            live = client.get("/health/live")
            assert (live.status_code, live.json()) == (200, {"status": "ok"})
            ready = client.get("/health/ready")
            assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
        admin = client.post(
            "/graphql", json={"query": STATUS}, headers=live_server.bearer(Role.ADMIN, "admin-1")
        ).json()["data"]["systemStatus"]
        officer = client.post(
            "/graphql",
            json={"query": STATUS},
            headers=live_server.bearer(Role.OFFICER, "officer-1"),
        ).json()["data"]["systemStatus"]
    assert admin["__typename"] == "SystemStatus"
    assert all(p["lag"] == 0 for p in admin["projections"])
    assert officer == {"__typename": "NotAllowed", "role": "officer"}
