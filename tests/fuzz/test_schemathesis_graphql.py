"""Schemathesis' GraphQL support against the real server (``bolashak serve`` on SQLite):
every query and mutation of both published schemas, with generated arguments, sent with a
bearer token of the role the schema is for. No answer may be a server error (5xx) or a
masked internal error. ``FUZZ_EXAMPLES`` raises the examples per operation.

Introspection is off in production, so the schemas are read from the SDL files the server
publishes (``api/schema.graphql``, ``api/schema.expert.graphql``).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from api.errors import MASKED_MESSAGE
from api.schema import EXPERT_SDL_FILE, SDL_FILE
from domain.case.meta import Role
from tests.fuzz.strategies import SCALAR_NODES, fuzz_examples

pytestmark = pytest.mark.e2e

for _name in ("Date", "DateTime", "Decimal", "JSON"):  # the schema's own scalars
    schemathesis.graphql.scalar(_name, SCALAR_NODES[_name])

OFFICE = schemathesis.graphql.from_path(SDL_FILE)
EXPERT = schemathesis.graphql.from_path(EXPERT_SDL_FILE)
CLIENT_TIMEOUT = 60.0  # seconds: a hang fails the example instead of the whole run
FUZZ = settings(
    max_examples=fuzz_examples(8),
    print_blob=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def check(case: Any, server: Any, role: Role) -> None:
    response = case.call(
        base_url=server.graphql_url,
        headers=server.bearer(role, f"{role.value}-schemathesis"),
        timeout=CLIENT_TIMEOUT,
    )
    assert response.status_code != 401, "the token was refused: nothing was fuzzed"
    case.validate_response(response, checks=[not_a_server_error])
    assert MASKED_MESSAGE not in response.text, response.text[:2000]


@OFFICE.parametrize()
@FUZZ
def test_every_office_operation_answers_without_a_server_error(
    case: Any, shared_server: Any
) -> None:
    check(case, shared_server, Role.OFFICER)


@EXPERT.parametrize()
@FUZZ
def test_every_expert_operation_answers_without_a_server_error(
    case: Any, shared_server: Any
) -> None:
    check(case, shared_server, Role.EXPERT)
