"""How events are stored: JSON whose shape follows the events' type hints.

Every field of every event class, and of every value type inside it, gets an encoder and a
decoder derived once from its type hint: enums by value, dates and times in ISO form,
decimals as text, tuples as lists, frozen dataclasses as objects of their fields. A type
the codec does not know is refused when the class is first used, not silently stored as
text (the library's own transcoder stores a ``str`` enum as a plain string). Decoding is
on the hot path of every reader (projections, relay, audit), so it is one ``orjson`` parse
and one converter per field; for the common case (a current event stored in full),
``bytes_decoder`` parses the stored bytes straight into the field values with ``msgspec``,
from a mirror of the class's type hints (about three times faster), and gives way to the
dict path for anything else.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any
from uuid import UUID

import msgspec

Convert = Callable[[Any], Any]


class UnsupportedTypeError(TypeError):
    def __init__(self, where: str, hint: object) -> None:
        super().__init__(f"{where}: the event codec does not know how to store {hint!r}")


def _same(value: Any) -> Any:
    return value


@cache
def converters(hint: Any, where: str = "") -> tuple[Convert, Convert]:
    """(encode, decode) for values of type ``hint``."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _optional(hint, where)
    if origin is tuple:
        return _sequence(typing.get_args(hint)[0], where, tuple)
    if origin is list:
        return _sequence(typing.get_args(hint)[0], where, list)
    if origin is dict:
        return _mapping(typing.get_args(hint), where)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass(hint)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return _enum(hint)
    if hint in _SCALARS:
        return _SCALARS[hint]
    raise UnsupportedTypeError(where, hint)


def _optional(hint: Any, where: str) -> tuple[Convert, Convert]:
    options = [a for a in typing.get_args(hint) if a is not type(None)]
    if len(options) != 1:
        raise UnsupportedTypeError(where, hint)  # only "X | None" is storable
    encode, decode = converters(options[0], where)
    return (lambda v: None if v is None else encode(v)), (
        lambda v: None if v is None else decode(v)
    )


def _sequence(item: Any, where: str, kind: type) -> tuple[Convert, Convert]:
    encode, decode = converters(item, where)
    if encode is _same and decode is _same:
        return list, kind
    return (lambda v: [encode(x) for x in v]), (lambda v: kind(decode(x) for x in v))


def _mapping(args: tuple[Any, ...], where: str) -> tuple[Convert, Convert]:
    if args[0] is not str:
        raise UnsupportedTypeError(where, f"dict with {args[0]!r} keys")
    encode, decode = converters(args[1], where)
    if encode is _same and decode is _same:
        return dict, dict
    return (lambda v: {k: encode(x) for k, x in v.items()}), (
        lambda v: {k: decode(x) for k, x in v.items()}
    )


def _enum(enum_type: type[Enum]) -> tuple[Convert, Convert]:
    members = {m.value: m for m in enum_type}
    return (lambda v: v.value), members.__getitem__


def _dataclass(cls: type) -> tuple[Convert, Convert]:
    fields = field_converters(cls)
    defaults = {
        f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING
    }

    def encode(value: Any) -> dict[str, Any]:
        state = value.__dict__
        return {name: enc(state[name]) for name, enc, _ in fields}

    state_of = state_decoder(cls)

    def decode(data: dict[str, Any]) -> Any:
        obj: Any = object.__new__(cls)
        obj.__dict__.update(defaults)
        obj.__dict__.update(state_of(data))
        return obj

    return encode, decode


@cache
def field_converters(cls: type) -> tuple[tuple[str, Convert, Convert], ...]:
    """(name, encode, decode) for every field of a dataclass (an event or a value)."""
    hints = typing.get_type_hints(cls)
    found = []
    for f in dataclasses.fields(cls):
        if f.name in _IDENTITY:
            continue  # an event's originator id and version travel beside its state
        encode, decode = converters(hints[f.name], f"{cls.__qualname__}.{f.name}")
        found.append((f.name, encode, decode))
    return tuple(found)


_IDENTITY = ("originator_id", "originator_version")


@cache
def state_decoder(cls: type) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function turning a stored object into the dataclass's field values.

    Generated once per class (as ``dataclasses`` generates ``__init__``): one dict display
    with a converter call only where the type needs one. Stored data that lacks a field (an
    older event) takes the slower path, which leaves the field out for its default.
    """
    fields = field_converters(cls)
    env: dict[str, Any] = {}
    items = []
    for i, (name, _, decode) in enumerate(fields):
        if decode is _same:
            items.append(f"{name!r}: d[{name!r}]")
        else:
            env[f"c{i}"] = decode
            items.append(f"{name!r}: c{i}(d[{name!r}])")
    source = f"def fast(d):\n    return {{{', '.join(items)}}}\n"
    exec(source, env)
    fast: Callable[[dict[str, Any]], dict[str, Any]] = env["fast"]

    def decode_state(data: dict[str, Any]) -> dict[str, Any]:
        try:
            return fast(data)
        except KeyError:
            return {name: dec(data[name]) for name, _, dec in fields if name in data}

    return decode_state


STORED_VERSION = "class_version"  # the stored marker of an event's class version


class NotPlainError(ValueError):
    """Stored bytes the fast path does not take (an older shape): use the dict path."""


@cache
def bytes_decoder(cls: type) -> Callable[[bytes], dict[str, Any]]:
    """Stored JSON bytes of a current ``cls`` event to its field values, in one pass.

    The mirror has the class's stored fields with their type hints and defaults, plus the
    class version marker; msgspec builds the nested values (frozen dataclasses, enums by
    value, ISO dates, decimals from text, tuples) as the dict path does. Bytes it refuses
    (a field missing, an older class version, an unexpected type) raise ``NotPlainError``.
    """
    hints = typing.get_type_hints(cls)
    defaults = {f.name: f.default for f in dataclasses.fields(cls)}
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for name, _, _ in field_converters(cls):
        default = defaults[name]
        if default is dataclasses.MISSING:
            fields.append((name, hints[name]))
        else:
            fields.append((name, hints[name], default))
    fields.append((STORED_VERSION, int, 1))
    mirror = msgspec.defstruct(f"Stored{cls.__name__}", fields)
    decode = msgspec.json.Decoder(mirror).decode
    as_dict = msgspec.structs.asdict
    current = getattr(cls, "class_version", 1)

    def from_bytes(data: bytes) -> dict[str, Any]:
        try:
            state = as_dict(decode(data))
        except msgspec.DecodeError as e:
            raise NotPlainError(str(e)) from None
        if state.pop(STORED_VERSION) != current:
            raise NotPlainError(f"stored as another version of {cls.__name__}")
        return state

    return from_bytes


def _iso(value: date) -> str:
    return value.isoformat()


_SCALARS: dict[Any, tuple[Convert, Convert]] = {
    str: (_same, _same),
    int: (_same, _same),
    bool: (_same, _same),
    float: (_same, _same),
    Decimal: (str, Decimal),
    date: (_iso, date.fromisoformat),
    datetime: (_iso, datetime.fromisoformat),
    UUID: (str, UUID),
}
