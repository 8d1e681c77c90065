"""A mutation's resolver runs on its input as graphql-core coerced it (``api/mutation.py``):
one dict, camelCase keys, the scalars parsed, the schema's defaults filled in. Strawberry's
conversion into input classes, then back into a dict, is skipped."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from graphql import GraphQLSchema, execute, parse

from api import commands
from api.schema import expert_schema, office_schema
from api.types.results import NotFound
from domain import commands as c
from domain.registry import REGISTRY, command_name
from infra.inputs import camel

pytestmark = pytest.mark.unit

ASSESS = (
    "mutation M($input: AssessEligibilityInput!) { assessEligibility(input: $input)"
    " { __typename } }"
)
SENT = {
    "applicationId": "00000000-0000-0000-0000-000000000001",
    "gpaEquivalent": "3.5",
    "idempotencyKey": "k-1",
    "occurredOn": "2023-05-02",
}


def _run(schema: GraphQLSchema, document: str, variables: dict[str, Any]) -> Any:
    async def go() -> Any:
        return await execute(  # type: ignore[misc]
            schema, parse(document), context_value=None, variable_values=variables
        )

    return asyncio.run(go())


def test_a_mutation_hands_the_command_the_coerced_input(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[type, dict[str, Any], bool]] = []

    async def run(_context: Any, command: type, data: Any, *, anonymous: bool = False) -> Any:
        seen.append((command, data, anonymous))
        return NotFound(message="none", application_id=SENT["applicationId"])  # type: ignore[arg-type]

    monkeypatch.setattr(commands, "run", run)
    result = _run(office_schema()._schema, ASSESS, {"input": SENT})
    assert result.errors is None, result.errors
    assert result.data == {"assessEligibility": {"__typename": "NotFound"}}
    [(command, data, anonymous)] = seen
    assert (command, anonymous) == (c.AssessEligibility, False)
    assert data == {
        "applicationId": SENT["applicationId"],
        "gpaEquivalent": Decimal("3.5"),
        "idempotencyKey": "k-1",
        "occurredOn": date(2023, 5, 2),
        "reason": "",  # the schema's defaults
        "correlationId": None,
        "causationId": None,
        "backdatingReason": "",
    }


def test_every_mutation_of_both_schemas_runs_on_the_coerced_input() -> None:
    for schema in (office_schema(), expert_schema()):
        mutations = schema._schema.mutation_type
        assert mutations is not None
        for name, field in mutations.fields.items():
            assert field.resolve is not None
            assert field.resolve.__qualname__ == "_on_raw_input.<locals>.resolve", name
    names = set(office_schema()._schema.mutation_type.fields)  # type: ignore[union-attr]
    assert names == {camel(command_name(spec.command)) for spec in REGISTRY}
