"""The websocket runs subscriptions only, under the HTTP endpoint's document limits
(issue 4, hardening; found by the fuzzing of issue 8: the socket ran queries and mutations
with no alias, depth or field limit)."""

from __future__ import annotations

from typing import Any

import pytest

from api.pipeline import Limits
from domain.case.meta import Role
from infra.settings import Settings
from tests.support.api import Api, api_for

pytestmark = pytest.mark.integration

WS_PROTOCOL = ["graphql-transport-ws"]
ALIASES = " ".join(f"a{i}: rulesets {{ id }}" for i in range(Limits().max_aliases + 20))
REFUSED = {
    "a query": ("query Q { rulesets { id } }", "only subscriptions"),
    "a mutation": (
        'mutation M { withdraw(input: {applicationId: "x", idempotencyKey: "k"}) { __typename } }',
        "only subscriptions",
    ),
    "a query with too many aliases": ("query Q { " + ALIASES + " }", ""),
    "a document that does not parse": ("subscription {", "Syntax Error"),
    "no document": (None, "query: a GraphQL document"),
}


def _connected(api: Api, ws: Any) -> None:
    token = api.token(Role.ADMIN)
    ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    assert ws.receive_json()["type"] == "connection_ack"


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_the_websocket_refuses_what_is_not_a_subscription_within_the_limits(
    sqlite_settings: Settings, kind: str
) -> None:
    document, says = REFUSED[kind]
    with (
        api_for(sqlite_settings) as api,
        api.client.websocket_connect("/graphql", subprotocols=WS_PROTOCOL) as ws,
    ):
        _connected(api, ws)
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": document}})
        answer = ws.receive_json()
        assert answer["type"] == "error", answer
        assert answer["id"] == "1"
        assert all(says in e["message"] for e in answer["payload"]), answer
        ws.send_json({"type": "ping"})  # the connection stays usable
        assert ws.receive_json()["type"] == "pong"
