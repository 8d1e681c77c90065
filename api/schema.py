"""The two schemas, and the one place that keeps personal data from the interview experts.

Officers, the commission, auditors and admins use the office schema. NEC experts use the
expert schema: the interview queue, the rulesets and their own evaluation sheets, nothing
else. Besides, every field marked as personal data (``PII``) is dropped from the expert
schema's types (``ExpertSchema.get_fields``), so no query, nested field, history, payload
or error can reach it: the field does not exist for them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import strawberry
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

from api.mutation import expert_mutation, office_mutation, take_raw_inputs
from api.query import InterviewQueries, OfficeQueries
from api.scalars import SCALAR_OVERRIDES
from api.subscription import Subscription
from api.types.enums import PII
from api.types.results import Conflict, InvalidInput, NotAllowed, NotFound, ProcessRefused

SDL_FILE = Path(__file__).parent / "schema.graphql"
EXPERT_SDL_FILE = Path(__file__).parent / "schema.expert.graphql"
ERROR_TYPES = [InvalidInput, ProcessRefused, NotFound, NotAllowed, Conflict]


class ExpertSchema(strawberry.Schema):
    def get_fields(self, type_definition: StrawberryObjectDefinition) -> list[StrawberryField]:
        return [f for f in type_definition.fields if not f.metadata.get(PII)]


@cache
def office_schema() -> strawberry.Schema:
    query = strawberry.type(type("Query", (OfficeQueries,), {}))
    schema = strawberry.Schema(
        query=query,
        mutation=office_mutation(),
        subscription=Subscription,
        types=ERROR_TYPES,
        scalar_overrides=SCALAR_OVERRIDES,
    )
    return take_raw_inputs(schema)


@cache
def expert_schema() -> strawberry.Schema:
    query = strawberry.type(type("Query", (InterviewQueries,), {}))
    schema = ExpertSchema(
        query=query,
        mutation=expert_mutation(),
        types=ERROR_TYPES,
        scalar_overrides=SCALAR_OVERRIDES,
    )
    return take_raw_inputs(schema)


def sdl(schema: Any) -> str:
    return str(schema.as_str()) + "\n"


def export() -> list[Path]:
    """Writes both schemas' SDL next to this module (``bolashak schema export``)."""
    SDL_FILE.write_text(sdl(office_schema()), encoding="utf-8")
    EXPERT_SDL_FILE.write_text(sdl(expert_schema()), encoding="utf-8")
    return [SDL_FILE, EXPERT_SDL_FILE]
