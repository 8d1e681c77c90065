"""Commands from plain data (JSON from the CLI, input objects from the API), by msgspec.

``build(SubmitApplication, data)`` hands the data to ``msgspec.convert``, which reads the
command's dataclasses (dates, enums, decimals, ids). Around it this module keeps what the
callers are promised and msgspec does not do: camelCase or snake_case keys, an unknown key
named, an optional field (``X | None``) that may be left out, a certificate's score given
as a level name ("B2"), and every problem named at once by the field's path, e.g.
``plan.programme: must be one of masters, ...`` (msgspec stops at the first).
"""

from __future__ import annotations

import functools
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

import msgspec
from msgspec import inspect as mi

from domain.errors import FieldError, InvalidInputError
from domain.language_tests import LanguageTest, score_of
from domain.qualifications import LanguageCertificate

T = TypeVar("T")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def build(cls: type[T], data: Any) -> T:
    """The command (or any dataclass) ``cls`` from ``data``; ``InvalidInputError`` naming
    every problem. The data is read once to rename its keys for msgspec; only when that
    finds a problem or msgspec refuses, it is read again, each field converted on its own,
    to name every problem and not the first."""
    info = _info(typing.cast(type, cls))
    fast = _Reader(check=False)
    prepared = fast.read(info, data, "")
    if not fast.problems:
        try:
            return msgspec.convert(prepared, cls, strict=True)
        except msgspec.ValidationError:
            pass
    thorough = _Reader(check=True)
    prepared = thorough.read(info, data, "")
    if not thorough.problems:  # a local date and time without seconds was all
        try:
            return msgspec.convert(prepared, cls, strict=True)
        except msgspec.ValidationError as e:  # not seen in the fields on their own
            thorough.add(*_translated(e, info))
    raise InvalidInputError(thorough.problems)


@cache
def _info(cls: type) -> mi.Type:
    return mi.type_info(cls)


@dataclass(frozen=True)
class _Slot:
    """One field of a dataclass as the reader needs it, worked out once per class."""

    name: str
    key: str  # camelCase, as the problems name it
    type: mi.Type
    hint: Any  # the field's annotation, for msgspec
    records: bool  # holds dataclasses: read field by field
    fill: Callable[[], Any] | None  # a left-out field's value; None: it is required


@dataclass(frozen=True)
class _Shape:
    names: dict[str, str]  # a key as given, camelCase or snake_case -> the field's name
    slots: tuple[_Slot, ...]


@cache
def _shape(cls: type) -> _Shape:
    info = _info(cls)
    assert isinstance(info, mi.DataclassType)
    hints = typing.get_type_hints(cls)
    slots = tuple(
        _Slot(f.name, camel(f.name), f.type, hints[f.name], _holds_records(f.type), _fill(f))
        for f in info.fields
    )
    return _Shape({**{s.key: s.name for s in slots}, **{s.name: s.name for s in slots}}, slots)


def _fill(field: mi.Field) -> Callable[[], Any] | None:
    """A left-out field: its default, given so that the instance holds it as the
    dataclass's ``__init__`` would (msgspec leaves a default to the class attribute, and
    the codecs read ``vars()``); None for ``X | None`` without a default (the GraphQL
    input declares it ``= null``); else required."""
    if field.default_factory is not msgspec.NODEFAULT:
        return typing.cast(Callable[[], Any], field.default_factory)
    if field.default is not msgspec.NODEFAULT:
        return functools.partial(_same, field.default)
    if isinstance(field.type, mi.UnionType) and any(
        isinstance(t, mi.NoneType) for t in field.type.types
    ):
        return functools.partial(_same, None)
    return None


def _same(value: Any) -> Any:
    return value


def _holds_records(info: mi.Type) -> bool:
    """Whether a value of this type holds dataclasses (read field by field)."""
    if isinstance(info, mi.DataclassType):
        return True
    if isinstance(info, mi.UnionType):
        return any(_holds_records(t) for t in info.types)
    if isinstance(info, mi.ListType | mi.VarTupleType):
        return _holds_records(info.item_type)
    return isinstance(info, mi.DictType) and _holds_records(info.value_type)


class _Reader:
    """Reads plain data in the shape msgspec describes for a type: the keys renamed to the
    fields' names, left-out fields filled, what msgspec does not check named. With
    ``check``, each field without dataclasses inside is converted by msgspec on its own,
    so that every bad value is named."""

    def __init__(self, *, check: bool) -> None:
        self.check = check
        self.problems: list[FieldError] = []

    def add(self, path: str, rule: str, message: str) -> None:
        self.problems.append(FieldError(path or "input", rule, message))

    def read(self, info: mi.Type, value: Any, path: str) -> Any:
        if isinstance(info, mi.UnionType):
            if value is None:
                return None
            info = next(t for t in info.types if not isinstance(t, mi.NoneType))
        if isinstance(info, mi.DataclassType):
            if isinstance(value, dict):
                return self.record(info.cls, value, path)
            self.add(path, "type", "must be an object")
        elif isinstance(info, mi.ListType | mi.VarTupleType):
            if isinstance(value, list | tuple):
                return [self.read(info.item_type, v, f"{path}[{i}]") for i, v in enumerate(value)]
            self.add(path, "type", "must be a list")
        elif isinstance(info, mi.DictType):
            if isinstance(value, dict):
                return {k: self.read(info.value_type, v, _join(path, k)) for k, v in value.items()}
            self.add(path, "type", "must be an object")
        return value

    def record(self, cls: type, value: dict[Any, Any], path: str) -> dict[str, Any]:
        if cls is LanguageCertificate:
            value = self.certificate(value, path)
        shape = _shape(cls)
        given = {shape.names.get(k, k): v for k, v in value.items()}
        if not shape.names.keys() >= given.keys():
            for unknown in sorted(given.keys() - shape.names.keys()):
                self.add(_join(path, unknown), "unknown_field", "is not a field of this input")
        fields = {}
        for slot in shape.slots:
            if slot.name in given:
                found = given[slot.name]
                if slot.records:
                    found = self.read(slot.type, found, _join(path, slot.key))
                elif self.check:
                    found = self.convert(slot, found, _join(path, slot.key))
                fields[slot.name] = found
            elif slot.fill is not None:
                fields[slot.name] = slot.fill()
            else:
                self.add(_join(path, slot.key), "required", "is required")
        return fields

    def convert(self, slot: _Slot, value: Any, path: str) -> Any:
        """``value`` converted by msgspec to the field's type, named if refused; a map or
        a list entry by entry, so that each bad entry is named (msgspec names the first,
        and no key). A local date and time may leave out the seconds."""
        if isinstance(slot.type, mi.DateTimeType) and isinstance(value, str):
            value = _date_time(value)
        parts: list[tuple[Any, str, str]] = [(value, path, "")]
        if isinstance(slot.type, mi.DictType) and isinstance(value, dict):
            parts = [({k: v}, _join(path, str(k)), "[...]") for k, v in value.items()]
        elif isinstance(slot.type, mi.ListType | mi.VarTupleType) and isinstance(value, list):
            parts = [([v], f"{path}[{i}]", "[0]") for i, v in enumerate(value)]
        for part, where, at in parts:
            try:
                msgspec.convert(part, slot.hint, strict=True)
            except msgspec.ValidationError as e:
                inner, rule, message = _translated(e, slot.type)
                self.add(where + inner.removeprefix(at), rule, message)
        return value

    def certificate(self, value: dict[Any, Any], path: str) -> dict[Any, Any]:
        """A certificate's score may be a number or a level name ("B2", "HSK4", "N2")."""
        if "score" not in value:
            return value
        try:  # the test by its value (JSON) or as the member (GraphQL's coerced input)
            test = LanguageTest(value.get("test"))
        except ValueError:
            return value  # no such test: named where the test field is read
        try:
            return {**value, "score": str(score_of(test, str(value["score"])))}
        except (ValueError, ArithmeticError) as e:
            self.add(_join(path, "score"), "language_test_scale", str(e))
            return {**value, "score": "0"}


def _date_time(value: str) -> datetime | str:
    """``2023-05-10T10:00``, seconds left out, as the API's DateTime takes it."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return value


# msgspec's words for a value of the wrong kind, and how the project says it.
_KINDS = {
    "int": "must be a whole number",
    "bool": "must be true or false",
    "str": "must be text",
    "decimal": "must be a number",
    "float": "must be a number",
    "date": "must be a date like 2023-04-28",
    "datetime": "must be a date and time like 2023-05-10T10:00",
    "uuid": "must be an application id (a UUID)",
    "array": "must be a list",
    "object": "must be an object",
}
_KIND = re.compile(r"Expected `(\w+)|Invalid RFC3339 encoded (\w+)|Invalid (UUID|decimal)")
_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)


def _translated(
    error: msgspec.ValidationError, info: mi.Type, path: str = ""
) -> tuple[str, str, str]:
    """msgspec's ``Expected `int`, got `str` - at `$.verbal_score[0]``` as the field's path
    (under ``path``, camelCase), the rule and the project's words."""
    found = _AT.match(str(error))
    assert found is not None  # the pattern matches any text
    message, at = found["message"], found["path"] or ""
    where = path + re.sub(r"\.(\w+)", lambda m: "." + camel(m[1]), at)
    if message.startswith("Object missing required field"):
        name = message.split("`")[1]
        return _join(where.lstrip("."), camel(name)), "required", "is required"
    if message.startswith("Invalid enum value") and (enum := _enum_in(info)) is not None:
        return where.lstrip("."), "type", "must be one of " + ", ".join(str(m.value) for m in enum)
    kind = _KIND.search(message)
    words = _KINDS.get(next(k for k in kind.groups() if k).lower(), message) if kind else message
    return where.lstrip("."), "type", words


def _enum_in(info: mi.Type) -> Any:
    """The enum a field's type holds, if any (its values name what is allowed)."""
    if isinstance(info, mi.EnumType):
        return info.cls
    inner: tuple[mi.Type, ...] = ()
    if isinstance(info, mi.UnionType):
        inner = info.types
    elif isinstance(info, mi.ListType | mi.VarTupleType):
        inner = (info.item_type,)
    elif isinstance(info, mi.DictType):
        inner = (info.value_type,)
    return next((e for e in map(_enum_in, inner) if e is not None), None)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
