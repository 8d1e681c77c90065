"""How the domain's own types are stored: one registered transcoding per type.

The library stores ``date`` and ``Enum`` values only through registered transcodings (an
unregistered ``str`` enum would be silently stored as a plain string, and tuples come
back as lists). Every value type used in an event is listed in ``VALUE_TYPES``; a
round-trip test covers every event type. Every application that decodes these events
(command service, projections, relay, audit) registers the same list.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent, Transcoding

from domain.case.events import (
    Basis,
    CourseRoute,
    InterviewSheet,
    RevocationReason,
    TestingAnnulment,
)
from domain.case.meta import EventMeta, Role
from domain.case.stage import Stage
from domain.language_tests import LanguageTest
from domain.programme import Category, Programme, StudyDirection, StudyLanguage
from domain.qualifications import Gpa, GradeScale, IeltsBands, KazTest, LanguageCertificate
from domain.rules.contract_deadline import SecurityKind
from domain.rules.eligibility import RuleFailure
from domain.submission import ApplicantIdentity, Background, Document, StudyPlan

ENUM_TYPES: tuple[type[Enum], ...] = (
    Role,
    Stage,
    Programme,
    Category,
    StudyDirection,
    StudyLanguage,
    LanguageTest,
    GradeScale,
    Document,
    SecurityKind,
    TestingAnnulment,
    RevocationReason,
    CourseRoute,
)
VALUE_TYPES: tuple[type[Any], ...] = (
    EventMeta,
    ApplicantIdentity,
    StudyPlan,
    Background,
    KazTest,
    IeltsBands,
    LanguageCertificate,
    Gpa,
    RuleFailure,
    Basis,
    InterviewSheet,
)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EnumAsValue(Transcoding):
    """An enum member as its value, under the enum's own name."""

    def __init__(self, enum_type: type[Enum]) -> None:
        self.type = enum_type
        self.name = enum_type.__name__
        self._members: dict[Any, Enum] = {m.value: m for m in enum_type}

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        return self._members[data]


class DataclassAsDict(Transcoding):
    """A frozen dataclass as a dict of its fields; tuple fields come back as tuples."""

    def __init__(self, cls: type[Any]) -> None:
        self.type = cls
        self.name = cls.__name__
        hints = typing.get_type_hints(cls)
        fields = dataclasses.fields(cls)
        self._names = tuple(f.name for f in fields)
        self._tuple_fields = tuple(f.name for f in fields if _is_tuple(hints[f.name]))
        self._defaults = {f.name: f.default for f in fields if f.default is not dataclasses.MISSING}

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self._names}

    def decode(self, data: dict[str, Any]) -> Any:
        """Rebuilds the value without running ``__init__`` (the stored fields are trusted,
        and decoding is on the hot path of every reader); missing fields take defaults."""
        for name in self._tuple_fields:
            if isinstance(data.get(name), list):
                data[name] = tuple(data[name])
        obj: Any = object.__new__(self.type)
        obj.__dict__.update(self._defaults)
        obj.__dict__.update(data)
        return obj


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    for enum_type in ENUM_TYPES:
        transcoder.register(EnumAsValue(enum_type))
    for value_type in VALUE_TYPES:
        transcoder.register(DataclassAsDict(value_type))


class DomainMapper(Mapper[UUID]):
    """The library's mapper, plus: tuple-typed event attributes come back as tuples."""

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        event = super().to_domain_event(stored_event)
        state = event.__dict__
        for name in _tuple_fields(type(event)):
            value = state.get(name)
            if isinstance(value, list):
                state[name] = tuple(value)
        return event


@functools.cache
def _tuple_fields(event_class: type[Any]) -> tuple[str, ...]:
    if not dataclasses.is_dataclass(event_class):
        return ()
    hints = typing.get_type_hints(event_class)
    return tuple(f.name for f in dataclasses.fields(event_class) if _is_tuple(hints.get(f.name)))


def _is_tuple(hint: Any) -> bool:
    if typing.get_origin(hint) is tuple:
        return True
    return any(typing.get_origin(arg) is tuple for arg in typing.get_args(hint))


class FastJSONTranscoder(JSONTranscoder):
    """The library's JSON format, decoded with orjson and one pass over the result.

    Encoding is the library's own (the stored bytes do not change); decoding, on the hot
    path of every reader, parses with orjson and then replaces each ``{"_type_", "_data_"}``
    object with its value.
    """

    def decode(self, data: bytes) -> Any:
        return self._revive(orjson.loads(data))

    def _revive(self, value: Any) -> Any:
        kind = type(value)
        if kind is dict:
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                return self.names[value["_type_"]].decode(self._revive(value["_data_"]))
            revive = self._revive
            return {k: revive(v) if type(v) in _CONTAINERS else v for k, v in value.items()}
        if kind is list:
            revive = self._revive
            return [revive(v) if type(v) in _CONTAINERS else v for v in value]
        return value


_CONTAINERS = (dict, list)
