"""How stored event bodies are read and written: msgspec, from the events' type hints.

Writing: the body is the event's stored object (``domain/case/chain.py::encode_body``,
which the hash chain covers too) with the identity sealed and the class version marker;
``encode_state`` writes it as compact JSON. Reading is on the hot path of every reader
(projections, relay, audit): each event class gets a mirror, a msgspec ``Struct`` of its
stored fields with their type hints and defaults plus the class version marker, and
msgspec builds the field values (frozen dataclasses, enums by value, ISO dates, decimals
from text, tuples) straight from the stored bytes (``bytes_decoder``). Bytes of an older
shape, and bodies that had to be opened or upcast first, take ``state_decoder``:
``msgspec.convert`` of the body to the same mirror. A type msgspec cannot decode is
refused when its class is first read.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from functools import cache
from typing import Any

import msgspec

from domain.case.chain import stored_fields

STORED_VERSION = "class_version"  # the stored marker of an event's class version

encode_state: Callable[[Any], bytes] = msgspec.json.Encoder().encode
"""A stored body (plain JSON values, as ``encode_body`` makes them) as compact JSON."""


class NotPlainError(ValueError):
    """Stored bytes the fast path does not take (an older shape): use the dict path."""


@cache
def mirror(cls: type) -> type[msgspec.Struct]:
    """The stored fields of ``cls`` with their type hints and defaults, and the class
    version marker (1 when not stored), as a msgspec ``Struct``."""
    hints = typing.get_type_hints(cls)
    defaults = {f.name: f.default for f in dataclasses.fields(cls)}
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for name in stored_fields(cls):
        default = defaults[name]
        if default is dataclasses.MISSING:
            fields.append((name, hints[name]))
        else:
            fields.append((name, hints[name], default))
    fields.append((STORED_VERSION, int, 1))
    return msgspec.defstruct(f"Stored{cls.__name__}", fields)


@cache
def bytes_decoder(cls: type) -> Callable[[bytes], dict[str, Any]]:
    """Stored JSON bytes of a current ``cls`` event to its field values, in one pass.

    Bytes it refuses (a field missing, an older class version, an unexpected type) raise
    ``NotPlainError``."""
    decode = msgspec.json.Decoder(mirror(cls)).decode
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


@cache
def state_decoder(cls: type) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A stored body (opened and upcast to the current class version) to the field
    values of ``cls``; a field the body lacks takes its default."""
    target = mirror(cls)
    as_dict = msgspec.structs.asdict
    convert = msgspec.convert

    def from_body(body: dict[str, Any]) -> dict[str, Any]:
        state = as_dict(convert(body, target))
        del state[STORED_VERSION]
        return state

    return from_body
