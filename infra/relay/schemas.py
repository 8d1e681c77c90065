"""JSON Schemas of the relay's messages, one file per message type and version.

The files under ``infra/relay/schemas/`` are the contract with downstream teams. They are
derived from the event classes' declared fields (``bolashak relay schemas --write``), and a
test fails when an event's shape changes and the committed file no longer matches: then
bump the kind's version in ``messages.SCHEMA_VERSIONS``, write the new file and keep the
old one for consumers still reading it.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import json
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

from domain.case.events import CaseEvent
from domain.case.meta import EventMeta
from domain.case.stage import CaseStatus, Stage
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
LOCAL_OR_OFFSET_DATE_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$"


def event_classes() -> list[type[CaseEvent]]:
    """Every concrete event of the aggregate, in declaration order."""
    found: list[type[CaseEvent]] = []
    todo: list[type[CaseEvent]] = [CaseEvent]
    while todo:
        cls = todo.pop(0)
        for sub in cls.__subclasses__():
            if sub not in found:
                found.append(sub)
                todo.append(sub)
    return found


def schema_of(tp: Any) -> Schema:
    """The JSON Schema of a value of type ``tp`` as ``infra.case_view.plain`` writes it."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        options = [schema_of(a) for a in args if a is not type(None)]
        if type(None) in args:
            options.append({"type": "null"})
        return options[0] if len(options) == 1 else {"anyOf": options}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin in (tuple, list, frozenset, set):
        item = args[0] if args else Any
        return {"type": "array", "items": schema_of(item)}
    if origin in (dict, collections.abc.Mapping):
        return {"type": "object", "additionalProperties": schema_of(args[1] if args else Any)}
    if tp is Any:
        return {}
    if isinstance(tp, type):
        return _schema_of_class(tp)
    raise TypeError(f"no JSON Schema for the type {tp!r}")


def _schema_of_class(tp: type) -> Schema:
    if issubclass(tp, bool):
        return {"type": "boolean"}
    if issubclass(tp, Enum):
        return {"type": "string", "enum": [m.value for m in tp]}
    if issubclass(tp, str):
        return {"type": "string"}
    if issubclass(tp, int):
        return {"type": "integer"}
    if issubclass(tp, Decimal):
        return {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
    if issubclass(tp, datetime):
        return {
            "type": "string",
            "pattern": LOCAL_OR_OFFSET_DATE_TIME,
            "description": "ISO 8601; without an offset, Kazakhstan local time (Asia/Almaty)",
        }
    if issubclass(tp, date):
        return {"type": "string", "format": "date"}
    if issubclass(tp, UUID):
        return {"type": "string", "format": "uuid"}
    if dataclasses.is_dataclass(tp):
        return _object(typing.get_type_hints(tp))
    raise TypeError(f"no JSON Schema for the type {tp!r}")


def _object(fields: dict[str, Any]) -> Schema:
    return {
        "type": "object",
        "properties": {name: schema_of(tp) for name, tp in fields.items()},
        "required": list(fields),
        "additionalProperties": False,
    }


def data_fields(event_class: type[CaseEvent]) -> dict[str, Any]:
    hints = typing.get_type_hints(event_class)
    return {
        name: tp
        for name, tp in hints.items()
        if name not in NOT_DATA
        and name not in PERSONAL_FIELDS
        and typing.get_origin(tp) is not ClassVar
        and tp is not ClassVar
    }


def personal_fields(event_class: type[CaseEvent]) -> dict[str, Any]:
    hints = typing.get_type_hints(event_class)
    return {name: tp for name, tp in hints.items() if name in PERSONAL_FIELDS}


def public_schema(event_class: type[CaseEvent]) -> Schema:
    kind = message_kind(event_class)
    meta = typing.get_type_hints(EventMeta)
    stages = [s.value for s in Stage]
    statuses = [s.value for s in CaseStatus]
    doc = (event_class.__doc__ or "").strip().splitlines()
    body = _object(
        {
            "application_id": UUID,
            "version": int,
            "event_type": str,
            "recorded_at": datetime,
            "stage": str,
            "status": str,
            "meta": str,
            "data": str,
        }
    )
    body["properties"].update(
        {
            "event_type": {"const": event_class.__name__},
            "recorded_at": {"type": "string", "format": "date-time"},
            "stage": {"enum": [*stages, None]},
            "status": {"enum": [*statuses, None]},
            "meta": _object({name: meta[name] for name in PUBLIC_META}),
            "data": _object(data_fields(event_class)),
        }
    )
    return _document(kind, doc[0] if doc else event_class.__name__, body)


def personal_data_schema() -> Schema:
    fields: dict[str, Any] = {
        "application_id": UUID,
        "version": int,
        "applicant_code": str | None,  # None on the erasure's message
    }
    for event_class in event_classes():
        fields.update(personal_fields(event_class))
    fields["erased"] = bool
    return _document(
        PERSONAL_DATA_TYPE,
        "An applicant's personal data, for the restricted topic only.",
        _object(fields),
    )


def _document(kind: str, title: str, body: Schema) -> Schema:
    name = ce_type(kind)
    return {"$schema": DIALECT, "$id": f"{ID_BASE}{name}.json", "title": title, **body}


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
