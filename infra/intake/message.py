"""An inbound eGov submission: a CloudEvent on the intake topic, read into a command.

Two modes of the CloudEvents Kafka binding are read:
- **structured** (the one documented, with its JSON Schema under ``infra/intake/schemas/``):
  the record's value is the whole event as JSON, ``specversion``, ``id``, ``source``,
  ``type``, ``time`` and ``data`` (the submission), with or without a ``content-type:
  application/cloudevents+json`` header;
- **binary**: the attributes in ``ce_``-prefixed headers (``ce_specversion``, ``ce_id``,
  ``ce_source``, ``ce_type``, ``ce_time``) and the value is ``data`` alone.

``data`` is the input of ``submitApplication`` (``applicant``, ``plan``, ``background``, keys
in snake_case or camelCase), built by ``infra/inputs.py`` as the API and the CLI build it.
The event's ``id`` is the command's idempotency key (a redelivered message stores nothing
new) and its correlation id; its ``time``, in Astana, is the business date (the day of the
submission on the portal; today when absent).

A message that cannot be read is a ``MalformedMessageError`` whose ``reason`` names what is
wrong without quoting the message's values: reasons are shown to officers and kept apart
from the cases, where personal data must not be.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import orjson

from domain import commands as c
from domain.case.meta import CommandContext, Role
from domain.clock import ASTANA
from domain.errors import InvalidInputError
from infra.inputs import build

SPEC_VERSION = "1.0"
SUBMITTED_TYPE = "kz.bolashak.intake.application_submitted.v1"
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
ACTOR = "egov"  # who the submissions' events name as their actor (the portal)
MAX_ID = 200  # an idempotency key's length (domain/validation.py)


class Record(Protocol):
    """What the worker reads of a Kafka record (``kafka.consumer.fetcher.ConsumerRecord``)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


class MalformedMessageError(ValueError):
    """Not a submission this worker can read; ``reason`` quotes no value of the message."""

    def __init__(self, reason: str, *, message_id: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.message_id = message_id


@dataclass(frozen=True)
class Attributes:
    """The CloudEvents attributes the worker uses (both modes)."""

    id: str
    source: str
    type: str
    time: datetime | None


@dataclass(frozen=True)
class Submission:
    attributes: Attributes
    command: c.SubmitApplication
    context: CommandContext


def read_submission(record: Record, today: date) -> Submission:
    """The submission ``record`` carries; ``MalformedMessageError`` when it carries none.
    ``today``: the business date of a message without ``time``."""
    headers = {name.lower(): raw for name, raw in record.headers or []}
    if "ce_specversion" in headers:
        attributes, data = _binary(headers, record.value)
    else:
        attributes, data = _structured(record.value)
    try:
        command = build(c.SubmitApplication, data)
    except InvalidInputError as e:
        problems = "; ".join(f"data.{p.field} [{p.rule}]" for p in e.errors)
        raise MalformedMessageError(f"invalid: {problems}", message_id=attributes.id) from None
    on = attributes.time.astimezone(ASTANA).date() if attributes.time else today
    context = CommandContext(
        actor_id=ACTOR,
        role=Role.APPLICANT,
        idempotency_key=attributes.id,
        occurred_on=on,
        correlation_id=attributes.id,
    )
    return Submission(attributes, command, context)


def _structured(value: bytes | None) -> tuple[Attributes, Any]:
    event = _json(value, "value")
    if not isinstance(event, dict):
        raise MalformedMessageError("value: not a CloudEvent (a JSON object)")
    attributes = _attributes(lambda name: event.get(name), "")
    if "data" not in event:
        raise MalformedMessageError("data: missing", message_id=attributes.id)
    content_type = event.get("datacontenttype", "application/json")
    if content_type != "application/json":
        raise MalformedMessageError(
            "datacontenttype: expected application/json", message_id=attributes.id
        )
    return attributes, event["data"]


def _binary(headers: dict[str, bytes], value: bytes | None) -> tuple[Attributes, Any]:
    def header(name: str) -> str | None:
        raw = headers.get(f"ce_{name}")
        return raw.decode("utf-8", "replace") if raw is not None else None

    attributes = _attributes(header, "ce_")
    content_type = headers.get("content-type", b"application/json").decode("ascii", "replace")
    if content_type.split(";")[0].strip() != "application/json":
        raise MalformedMessageError(
            "content-type: expected application/json", message_id=attributes.id
        )
    return attributes, _json(value, "value")


def _attributes(get: Any, prefix: str) -> Attributes:
    """The attributes, checked: each problem named by its attribute, no value quoted."""
    found = {name: get(name) for name in ("specversion", "id", "source", "type", "time")}
    message_id = found["id"] if isinstance(found["id"], str) else ""
    message_id = message_id if 0 < len(message_id) <= MAX_ID else ""
    if found["specversion"] != SPEC_VERSION:
        raise MalformedMessageError(f"{prefix}specversion: expected {SPEC_VERSION}")
    for name in ("id", "source", "type"):
        if not isinstance(found[name], str) or not found[name].strip():
            raise MalformedMessageError(f"{prefix}{name}: missing", message_id=message_id)
    if not message_id:
        raise MalformedMessageError(f"{prefix}id: longer than {MAX_ID} characters")
    if found["type"] != SUBMITTED_TYPE:
        raise MalformedMessageError(
            f"{prefix}type: expected {SUBMITTED_TYPE}", message_id=message_id
        )
    when = _time(found["time"], f"{prefix}time", message_id)
    return Attributes(message_id, found["source"], found["type"], when)


def _time(value: object, name: str, message_id: str) -> datetime | None:
    if value is None:
        return None
    try:
        found = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        found = None
    if found is None or found.tzinfo is None:
        raise MalformedMessageError(
            f"{name}: not an RFC 3339 timestamp with its offset", message_id=message_id
        )
    return found


def _json(value: bytes | None, what: str) -> Any:
    try:
        return orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        raise MalformedMessageError(f"{what}: not JSON") from None
