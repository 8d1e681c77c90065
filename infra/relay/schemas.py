"""JSON Schemas of the relay's messages, one file per message type and version.

The files under ``infra/relay/schemas/`` are the contract with downstream teams. Each is
derived by msgspec (``msgspec.json.schema``) from a message's shape: the CloudEvents
value's envelope around the event class's declared fields, as msgspec Structs built here
from the event's type hints (``bolashak relay schemas --write``). The output is then put in
the published form: the dialect, ``$id`` and title at the root, every object closed
(``additionalProperties: false``) with every field required (the relay writes them all).
A test fails when an event's shape changes and the committed file no longer matches: then
bump the kind's version in ``messages.SCHEMA_VERSIONS``, write the new file and keep the
old one for consumers still reading it.
"""

from __future__ import annotations

import json
import typing
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

import msgspec

from domain.case.events import CaseEvent
from domain.case.meta import EventMeta
from domain.case.stage import CaseStatus, Stage
from domain.quota.events import LedgerEvent
from infra.case_view import PERSONAL_FIELDS
from infra.relay.messages import (
    NOT_DATA,
    PERSONAL_DATA_TYPE,
    PUBLIC_META,
    ce_type,
    message_kind,
)

SCHEMA_DIR = Path(__file__).parent / "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "https://schemas.bolashak.kz/events/"
Schema = dict[str, Any]
Fields = list[tuple[str, Any]]
# The recording time: UTC, with its offset (``format: date-time``).
RecordedAt = Annotated[datetime, msgspec.Meta(tz=True)]


def event_classes() -> list[type[CaseEvent | LedgerEvent]]:
    """Every concrete event of the case, then of the quota ledger, in declaration order."""
    found: list[type[CaseEvent | LedgerEvent]] = []
    todo: list[type[CaseEvent | LedgerEvent]] = [CaseEvent, LedgerEvent]
    while todo:
        cls = todo.pop(0)
        for sub in cls.__subclasses__():
            if sub not in found:
                found.append(sub)
                todo.append(sub)
    return found


def _fields(cls: type, keep: typing.Callable[[str], bool]) -> Fields:
    """The declared fields of ``cls`` that ``keep`` names, with their types."""
    return [
        (name, tp)
        for name, tp in typing.get_type_hints(cls).items()
        if keep(name) and typing.get_origin(tp) is not ClassVar and tp is not ClassVar
    ]


def data_fields(event_class: type[CaseEvent | LedgerEvent]) -> Fields:
    """What a public message's ``data`` holds: the event's own fields, no personal data."""
    return _fields(event_class, lambda n: n not in NOT_DATA and n not in PERSONAL_FIELDS)


def _struct(name: str, fields: Fields) -> type:
    return msgspec.defstruct(name, fields, forbid_unknown_fields=True)


def public_schema(event_class: type[CaseEvent | LedgerEvent]) -> Schema:
    name = event_class.__name__
    meta = _fields(EventMeta, lambda n: n in PUBLIC_META)
    case: Fields = [("stage", Stage | None), ("status", CaseStatus | None)]
    ledger = issubclass(event_class, LedgerEvent)
    message = _struct(
        f"{name}Message",
        [
            ("ledger_id" if ledger else "application_id", UUID),
            ("version", int),
            ("event_type", Literal[name]),
            ("recorded_at", RecordedAt),
            *([] if ledger else case),
            ("meta", _struct("PublicMeta", meta)),
            ("data", _struct(f"{name}Data", data_fields(event_class))),
        ],
    )
    doc = (event_class.__doc__ or "").strip().splitlines()
    return _document(message_kind(event_class), doc[0] if doc else name, message)


def personal_data_schema() -> Schema:
    fields: Fields = [
        ("application_id", UUID),
        ("version", int),
        ("applicant_code", str | None),  # None on the erasure's message
    ]
    for event_class in event_classes():
        fields += _fields(event_class, lambda n: n in PERSONAL_FIELDS)
    fields.append(("erased", bool))
    return _document(
        PERSONAL_DATA_TYPE,
        "An applicant's personal data, for the restricted topic only.",
        _struct("PersonalData", list(dict(fields).items())),
    )


def _document(kind: str, title: str, message: type) -> Schema:
    """msgspec's schema of ``message``, in the published form: the message's own
    definition at the root, under the dialect, ``$id`` and title; the others in
    ``$defs``, each object closed with every field required."""
    found = msgspec.json.schema(message)
    definitions: dict[str, Schema] = found["$defs"]
    root = definitions.pop(message.__name__)
    for definition in [root, *definitions.values()]:
        if "properties" in definition:
            definition["required"] = list(definition["properties"])
            definition["additionalProperties"] = False
    root.pop("title")
    return {
        "$schema": DIALECT,
        "$id": f"{ID_BASE}{ce_type(kind)}.json",
        "title": title,
        **root,
        "$defs": dict(sorted(definitions.items())),
    }


def generated() -> dict[str, Schema]:
    """ce_type -> schema, for every message type the relay produces."""
    found = {ce_type(message_kind(cls)): public_schema(cls) for cls in event_classes()}
    found[ce_type(PERSONAL_DATA_TYPE)] = personal_data_schema()
    return found


def render(schema: Schema) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in generated().items():
        path = directory / f"{name}.json"
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


def differences(directory: Path = SCHEMA_DIR) -> list[str]:
    """Message types whose committed schema differs from the events' shape, or is missing."""
    found = []
    for name, schema in generated().items():
        path = directory / f"{name}.json"
        if not path.exists():
            found.append(f"{name}: no file {path.name}")
        elif path.read_text(encoding="utf-8") != render(schema):
            found.append(f"{name}: {path.name} differs from the event's fields")
    return found


@cache
def committed(name: str, directory: Path = SCHEMA_DIR) -> Schema:
    """The committed schema of a message type (``ce_type``)."""
    path = directory / f"{name}.json"
    if not path.exists():
        raise KeyError(f"no schema file for the message type {name!r} in {directory}")
    loaded: Schema = json.loads(path.read_text(encoding="utf-8"))
    return loaded
