"""GraphQL inputs, derived from the domain's command dataclasses (one source of truth).

Each command ``X`` gets an input type ``XInput`` with the command's fields (camelCase) and
the context every command carries: the idempotency key, the business date, a reason,
correlation and causation ids. Nested values (the applicant, the study plan...) get their
own input types. An input comes back to the command through ``infra.inputs.build``, which
reports every problem with its field path.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

import api.types.enums  # noqa: F401 (registers the domain's enums with strawberry)
from domain.language_tests import LanguageTest
from domain.qualifications import IeltsBands, LanguageCertificate
from infra.inputs import camel, is_optional

CONTEXT_FIELDS: dict[str, tuple[Any, Any, str]] = {
    "idempotency_key": (
        str,
        dataclasses.MISSING,
        "Repeating a command with the same key stores nothing new.",
    ),
    "occurred_on": (date | None, None, "The business date (default: today)."),
    "reason": (str, "", "Why; kept with the event."),
    "correlation_id": (str | None, None, "Ties related commands together."),
    "causation_id": (str | None, None, "What caused this command."),
}


@strawberry.input(description="A language certificate; the score is a number or a level name.")
class LanguageCertificateInput:
    test: LanguageTest
    score: str = strawberry.field(description='e.g. "6.5" (IELTS), "B2" (Goethe), "N2" (JLPT)')
    bands: IeltsBandsInput | None = None
    within_competition: bool = strawberry.field(
        default=False,
        description="A TOEFL ITP taken in the testing of the Bolashak competition: Order 318"
        " counts an ITP only so (002 line 858).",
    )


@strawberry.input
class IeltsBandsInput:
    listening: Decimal
    reading: Decimal
    writing: Decimal
    speaking: Decimal


_FIXED: dict[type, type] = {
    LanguageCertificate: LanguageCertificateInput,
    IeltsBands: IeltsBandsInput,
}


@cache
def input_for(command: type) -> type:
    """The GraphQL input type of a command (with the command context's fields)."""
    return _input(command, f"{command.__name__}Input", with_context=True)


def _input(cls: type, name: str, *, with_context: bool = False) -> type:
    """A strawberry input type with ``cls``'s fields: required ones first, then optional."""
    hints = typing.get_type_hints(cls)
    required: dict[str, Any] = {}
    optional: dict[str, tuple[Any, Any]] = {}
    for f in dataclasses.fields(cls):
        kind = _graphql_type(hints[f.name])
        if f.default is not dataclasses.MISSING:
            optional[f.name] = (kind, f.default)
        elif is_optional(hints[f.name]):
            optional[f.name] = (kind, None)
        else:
            required[f.name] = kind
    if with_context:
        for fname, (kind, default, text) in CONTEXT_FIELDS.items():
            if default is dataclasses.MISSING:
                required[fname] = kind
            else:
                optional[fname] = (kind, strawberry.field(default=default, description=text))
    annotations = {**required, **{k: kind for k, (kind, _) in optional.items()}}
    namespace = {"__annotations__": annotations, **{k: d for k, (_, d) in optional.items()}}
    return strawberry.input(type(name, (), namespace))


def _graphql_type(hint: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _graphql_type(inner[0]) | None
    if origin is tuple or origin is list:
        return list[_graphql_type(typing.get_args(hint)[0])]  # type: ignore[misc]
    if origin is dict:
        return JSON
    if hint in _FIXED:
        return _FIXED[hint]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _nested(hint)
    if hint is UUID:
        return strawberry.ID
    if isinstance(hint, type) and (issubclass(hint, Enum) or hint in _SCALARS):
        return hint
    raise TypeError(f"no GraphQL input type for {hint!r}")


@cache
def _nested(cls: type) -> type:
    return _input(cls, f"{cls.__name__}Input")


_SCALARS = (str, int, bool, float, Decimal, date, datetime)


def to_plain(value: Any) -> Any:
    """An input object as plain data for ``infra.inputs.build`` (camelCase keys)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            camel(f.name): to_plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not None
        }
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
