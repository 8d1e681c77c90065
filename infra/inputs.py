"""Commands from plain data (JSON from the CLI, input objects from the API).

``build(SubmitApplication, data)`` walks the dataclass's type hints, accepts camelCase or
snake_case keys, converts dates, enums and decimals, and reports every problem at once
with the field's path, e.g. ``plan.programme: must be one of masters, ...``.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

from domain.errors import FieldError, InvalidInputError
from domain.language_tests import LanguageTest, score_of
from domain.qualifications import LanguageCertificate

T = TypeVar("T")


class _Problems(list[FieldError]):
    def add(self, path: str, rule: str, message: str) -> None:
        self.append(FieldError(path or "input", rule, message))


def build(cls: type[T], data: Any) -> T:
    problems = _Problems()
    value = _convert(cls, data, "", problems)
    if problems:
        raise InvalidInputError(problems)
    result: T = value
    return result


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _convert(hint: Any, value: Any, path: str, problems: _Problems) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _optional(hint, value, path, problems)
    if origin is tuple:
        return _sequence(typing.get_args(hint)[0], value, path, problems)
    if origin is dict:
        return _mapping(typing.get_args(hint)[1], value, path, problems)
    if hint is LanguageCertificate:
        return _certificate(value, path, problems)
    if dataclasses.is_dataclass(hint):
        return _dataclass(typing.cast(type, hint), value, path, problems)
    return _scalar(hint, value, path, problems)


def _optional(hint: Any, value: Any, path: str, problems: _Problems) -> Any:
    inner = [a for a in typing.get_args(hint) if a is not type(None)]
    if value is None:
        return None
    return _convert(inner[0], value, path, problems)


def _sequence(item: Any, value: Any, path: str, problems: _Problems) -> Any:
    if not isinstance(value, list | tuple):
        problems.add(path, "type", "must be a list")
        return ()
    return tuple(_convert(item, v, f"{path}[{i}]", problems) for i, v in enumerate(value))


def _mapping(item: Any, value: Any, path: str, problems: _Problems) -> Any:
    if not isinstance(value, dict):
        problems.add(path, "type", "must be an object")
        return {}
    return {str(k): _convert(item, v, f"{path}.{k}", problems) for k, v in value.items()}


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    camel: str
    hint: Any
    required: bool
    none_when_absent: bool  # optional, without a default: left out means null


@dataclasses.dataclass(frozen=True)
class _Shape:
    """What building a dataclass needs to know of it, worked out once per class (resolving
    its type hints took about a twentieth of a submission's time through the API)."""

    fields: tuple[_Field, ...]
    names: dict[str, str]  # a given key, camelCase or snake_case -> the field's name
    known: frozenset[str]  # the fields' names


def is_optional(hint: Any) -> bool:
    """``X | None``: the GraphQL input declares it ``= null``, and it may be left out."""
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in (
        typing.get_args(hint)
    )


@functools.cache
def _shape(cls: type) -> _Shape:
    """An optional field (``X | None``) without a default may be left out, as the GraphQL
    input derived from the class declares it (``= null``): it is then None."""
    hints = typing.get_type_hints(cls)
    fields = []
    for f in dataclasses.fields(cls):
        undefaulted = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        optional = is_optional(hints[f.name])
        fields.append(
            _Field(
                f.name,
                camel(f.name),
                hints[f.name],
                undefaulted and not optional,
                undefaulted and optional,
            )
        )
    names = {**{f.camel: f.name for f in fields}, **{f.name: f.name for f in fields}}
    return _Shape(tuple(fields), names, frozenset(f.name for f in fields))


def _dataclass(cls: type, value: Any, path: str, problems: _Problems) -> Any:
    if not isinstance(value, dict):
        problems.add(path, "type", "must be an object")
        return None
    shape = _shape(cls)
    given = {shape.names.get(str(k), str(k)): v for k, v in value.items()}
    for unknown in sorted(given.keys() - shape.known):
        problems.add(_join(path, unknown), "unknown_field", "is not a field of this input")
    kwargs = {}
    for f in shape.fields:
        if f.name in given:
            kwargs[f.name] = _convert(f.hint, given[f.name], _join(path, f.camel), problems)
        elif f.required:
            problems.add(_join(path, f.camel), "required", "is required")
        elif f.none_when_absent:
            kwargs[f.name] = None
    try:
        return cls(**kwargs)
    except TypeError:  # a required field is missing: already reported
        return None


def _certificate(value: Any, path: str, problems: _Problems) -> Any:
    """A certificate's score may be a number or a level name ("B2", "HSK4", "N2")."""
    if isinstance(value, dict) and "score" in value:
        try:
            test = LanguageTest(value.get("test"))
            value = {**value, "score": str(score_of(test, str(value["score"])))}
        except (ValueError, ArithmeticError) as e:
            if "test" in value and value["test"] in {t.value for t in LanguageTest}:
                problems.add(_join(path, "score"), "language_test_scale", str(e))
                value = {**value, "score": "0"}
    return _dataclass(LanguageCertificate, value, path, problems)


def _scalar(hint: Any, value: Any, path: str, problems: _Problems) -> Any:
    try:
        return _SCALARS.get(hint, _enum_or_other)(hint, value)
    except (ValueError, TypeError, InvalidOperation) as e:
        problems.add(path, "type", str(e) or f"is not a valid {getattr(hint, '__name__', hint)}")
        return None


def _enum_or_other(hint: Any, value: Any) -> Any:
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in hint)
            raise ValueError(f"must be one of {allowed}") from None
    raise TypeError(f"unsupported input type {hint!r}")


def _as_int(_: Any, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("must be a whole number")
    return value


def _as_bool(_: Any, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("must be true or false")
    return value


def _as_str(_: Any, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("must be text")
    return value


def _as_decimal(_: Any, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise TypeError("must be a number")
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError("must be a finite number")
    return number


def _as_date(_: Any, value: Any) -> date:
    if not isinstance(value, str):
        raise TypeError("must be a date like 2023-04-28")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date like 2023-04-28") from None


def _as_datetime(_: Any, value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError("must be a date and time like 2023-05-10T10:00")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date and time like 2023-05-10T10:00") from None


def _as_uuid(_: Any, value: Any) -> UUID:
    if not isinstance(value, str):
        raise TypeError("must be an application id")
    try:
        return UUID(value)
    except ValueError:
        raise ValueError("must be an application id (a UUID)") from None


_SCALARS: dict[Any, Any] = {
    int: _as_int,
    bool: _as_bool,
    str: _as_str,
    Decimal: _as_decimal,
    date: _as_date,
    datetime: _as_datetime,
    UUID: _as_uuid,
}


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
