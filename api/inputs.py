"""GraphQL inputs, derived from the domain's command dataclasses (one source of truth).

Each command ``X`` gets an input type ``XInput`` with the command's fields (camelCase) and
the context every command carries: the idempotency key, the business date, a reason,
correlation and causation ids. Nested values (the applicant, the study plan...) get their
own input types. An input comes back to the command through ``infra.inputs.build``
(msgspec), which reports every problem with its field path.
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
from domain.commands import EvaluateInterview, PresentDocuments
from domain.language_tests import LanguageTest
from domain.qualifications import IeltsBands, LanguageCertificate
from domain.rules.interview_sheet import criterion_keys
from domain.submission import Background
from domain.validation import MAX_CERTIFICATES, MAX_DOCUMENTS, MAX_SCORES

# How deep and how big an input value may be before it is converted (the deepest command
# input, a certificate's band scores, nests four levels; a submission at every list's cap
# holds a few hundred values, and one far over a cap is still named by the cap's rule): a
# deeper or bigger one is refused as a whole, naming the limit.
MAX_INPUT_DEPTH = 10
MAX_INPUT_VALUES = 50_000


_CRITERIA = ", ".join(criterion_keys())

CONTEXT_FIELDS: dict[str, tuple[Any, Any, str]] = {
    "idempotency_key": (
        str,
        dataclasses.MISSING,
        "Repeating a command with the same key stores nothing new.",
    ),
    "occurred_on": (
        date | None,
        None,
        "The business date (default: today): not after today, not before the case's last"
        " event, and not more than the backdating window (BOLASHAK_BACKDATING_WINDOW_DAYS)"
        " before today unless an admin gives backdatingReason.",
    ),
    "reason": (str, "", "Why; kept with the event."),
    "correlation_id": (str | None, None, "Ties related commands together."),
    "causation_id": (str | None, None, "What caused this command."),
    "backdating_reason": (
        str,
        "",
        "An admin's reason for a business date more than the backdating window before"
        " today; kept in the event's metadata.",
    ),
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


# The limits of list and map inputs (domain/validation.py), as the schema describes them.
LIMITS: dict[tuple[type, str], str] = {
    (Background, "certificates"): (
        f"The language certificates held: at most {MAX_CERTIFICATES} (as many as the language"
        " tests the regulations know), none listed twice."
    ),
    (Background, "documents"): (
        f"The documents of the package presented: each at most once (at most {MAX_DOCUMENTS})."
    ),
    (PresentDocuments, "documents"): (
        f"The documents presented now: at least one, each at most once (at most"
        f" {MAX_DOCUMENTS}), none presented before."
    ),
    (EvaluateInterview, "scores"): (
        f"One score from 2 to 5 per criterion of the sheet (002 appendix 6): {_CRITERIA}"
        f" (at most {MAX_SCORES} keys)."
        f" Any input nests at most {MAX_INPUT_DEPTH} levels and holds at most"
        f" {MAX_INPUT_VALUES} values."
    ),
}


def _input(cls: type, name: str, *, with_context: bool = False) -> type:
    """A strawberry input type with ``cls``'s fields: required ones first, then optional."""
    hints = typing.get_type_hints(cls)
    required: dict[str, Any] = {}
    optional: dict[str, tuple[Any, Any]] = {}
    described: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        kind = _graphql_type(hints[f.name])
        if (cls, f.name) in LIMITS:
            described[f.name] = strawberry.field(description=LIMITS[cls, f.name])
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
    namespace.update({k: d for k, d in described.items() if k in required})  # all required
    return strawberry.input(type(name, (), namespace))


def is_optional(hint: Any) -> bool:
    """``X | None``: the GraphQL input declares it ``= null``, and it may be left out."""
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in (
        typing.get_args(hint)
    )


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
_LEAVES = (*_SCALARS, Enum, UUID, type(None))


class InputTooLargeError(ValueError):
    """An input nests deeper, or holds more values, than any command can."""


def check_size(value: Any) -> None:
    """Raises ``InputTooLargeError`` past ``MAX_INPUT_DEPTH`` levels or ``MAX_INPUT_VALUES``
    values, before the input is read (a JSON scalar takes any nesting: a list nested 500
    deep exhausted the interpreter's stack). Walked with a stack of its own, not by
    recursion, for the same reason."""
    todo: list[tuple[Any, int]] = [(value, 0)]
    seen = 0
    while todo:
        item, depth = todo.pop()
        seen += 1
        if seen > MAX_INPUT_VALUES:
            raise InputTooLargeError(f"the input holds more than {MAX_INPUT_VALUES} values")
        if isinstance(item, dict):
            inner: Any = item.values()
        elif isinstance(item, list | tuple):
            inner = item
        elif isinstance(item, _LEAVES):  # most values: no dataclass check for them
            continue
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            inner = [getattr(item, f.name) for f in dataclasses.fields(item)]
        else:
            continue
        if depth == MAX_INPUT_DEPTH:
            raise InputTooLargeError(f"the input nests deeper than {MAX_INPUT_DEPTH} levels")
        todo.extend((v, depth + 1) for v in inner)
