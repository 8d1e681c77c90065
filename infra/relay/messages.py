"""One stored event as a Kafka message: CloudEvents 1.0, Kafka protocol binding, binary mode.

The value is the event as JSON (``content-type: application/json``); every other CloudEvents
attribute travels in a ``ce_`` header. The id is the application id and the version, so a
message sent again after a crash has the same id and consumers can drop the duplicate.
Personal data (the applicant's name, IIN, birth date and contacts) never goes into the
public message: the applicant code stands in for the person. It goes, when a restricted
topic is configured, into a message of its own type there.

The W3C ``traceparent`` of the command that recorded the event, when it was traced, goes
with every message as the CloudEvents distributed-tracing extension (``ce_traceparent``,
the attribute in binary mode) and as the plain ``traceparent`` header that
OpenTelemetry's messaging instrumentations read: a consumer continues the trace.
"""

from __future__ import annotations

import re
from datetime import UTC
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple

import orjson

from domain.case.events import CaseEvent
from domain.quota.events import LEDGER_EVENT_TYPES, LedgerEvent
from infra.case_view import PERSONAL_FIELDS, SECRET_FIELDS

SPECVERSION = "1.0"
TYPE_PREFIX = "kz.bolashak.application."
# A campaign's quota ledger's events (domain/quota/events.py), on the same topic, keyed by
# the ledger's id: their type names the ledger, not an application.
QUOTA_TYPE_PREFIX = "kz.bolashak.quota."
PERSONAL_DATA_TYPE = "personal_data"
CONTENT_TYPE = b"application/json"
# The headers every message repeats, built once and shared.
_SPECVERSION_HEADER = ("ce_specversion", SPECVERSION.encode())
_CONTENT_TYPE_HEADER = ("content-type", CONTENT_TYPE)
# Envelope attributes of the library's events, not part of a message's data.
LIBRARY_FIELDS = frozenset({"originator_id", "originator_version", "originator_topic", "timestamp"})
NOT_DATA = LIBRARY_FIELDS | {"meta", *SECRET_FIELDS}
NOT_PUBLIC = NOT_DATA | set(PERSONAL_FIELDS)  # what a public message's data leaves out
# The metadata a downstream service may see (the idempotency key and the command's
# fingerprint are the command service's own business).
PUBLIC_META = (
    "actor_id",
    "actor_role",
    "reason",
    "correlation_id",
    "causation_id",
    "occurred_on",
    "command",
)
# A schema's version per message kind; bump one when its shape changes and keep the old
# file for the consumers still reading it.
SCHEMA_VERSIONS: dict[str, int] = {
    PERSONAL_DATA_TYPE: 2,  # v2: "erased", and the identity null once erased
    # v2: the certificate's "within_competition" (002 line 858) and "studying_abroad"
    "submitted": 2,
    # v2: a decision taken again ("reassessed", "resulting_stage", "previously_eligible")
    "eligibility_assessed": 2,
}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


_LEDGER_KINDS = frozenset(snake(t.__name__) for t in LEDGER_EVENT_TYPES)


@cache  # per class: every message asks
def message_kind(event_class: type) -> str:
    """``Awarded`` -> ``awarded``, ``EligibilityAssessed`` -> ``eligibility_assessed``."""
    return snake(event_class.__name__)


@cache
def ce_type(kind: str) -> str:
    prefix = QUOTA_TYPE_PREFIX if kind in _LEDGER_KINDS else TYPE_PREFIX
    return f"{prefix}{kind}.v{SCHEMA_VERSIONS.get(kind, 1)}"


class Message(NamedTuple):
    """One record for the broker: where it goes, and the position it comes from (a named
    tuple: the relay builds one per event and message, and a frozen dataclass's
    constructor took a tenth of the building)."""

    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    event_id: str
    position: int


class Envelope(NamedTuple):
    """What every message of one event repeats, written once per event."""

    subject: str  # the application id
    ident: str  # the CloudEvents id: the application id and the version
    time: str  # recorded, ISO 8601 in UTC

    @classmethod
    def of(cls, event: CaseEvent | LedgerEvent) -> Envelope:
        subject = str(event.originator_id)
        return cls(
            subject,
            f"{subject}:{event.originator_version}",
            event.timestamp.astimezone(UTC).isoformat(),
        )


def public_value(
    event: CaseEvent | LedgerEvent, envelope: Envelope | None = None
) -> dict[str, Any]:
    """The value of the public message (no personal data), for ``to_json``."""
    envelope = envelope or Envelope.of(event)
    if isinstance(event, LedgerEvent):
        return ledger_value(event, envelope)
    stage = event.stage_after()
    meta = event.meta
    return {
        "application_id": envelope.subject,
        "version": event.originator_version,
        "event_type": type(event).__name__,
        "recorded_at": envelope.time,
        "stage": stage.value if stage is not None else None,
        "status": stage.status.value if stage is not None else None,
        "meta": {name: getattr(meta, name) for name in PUBLIC_META},
        "data": {k: v for k, v in vars(event).items() if k not in NOT_PUBLIC},
    }


def ledger_value(event: LedgerEvent, envelope: Envelope) -> dict[str, Any]:
    """The value of a quota ledger's event: the ledger's id and version, who and why, the
    event's fields (application ids, categories, counts: no personal data)."""
    meta = event.meta
    return {
        "ledger_id": envelope.subject,
        "version": event.originator_version,
        "event_type": type(event).__name__,
        "recorded_at": envelope.time,
        "meta": {name: getattr(meta, name) for name in PUBLIC_META},
        "data": {k: v for k, v in vars(event).items() if k not in NOT_PUBLIC},
    }


def to_json(value: dict[str, Any]) -> bytes:
    """JSON as ``infra.case_view.plain`` writes domain values (enums by value, dates ISO,
    decimals as text, dataclasses as objects), in one pass of orjson's native encoder."""
    return orjson.dumps(value, default=_decimal_as_text)


def _decimal_as_text(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def personal_value(
    event: CaseEvent | LedgerEvent, envelope: Envelope | None = None
) -> dict[str, Any] | None:
    """The value for the restricted topic, for an event that holds personal data or
    erases it (consumers delete what they hold: ``erased`` with a null identity)."""
    found = {k: v for k, v in vars(event).items() if k in PERSONAL_FIELDS}
    erases = getattr(event, "erases_personal_data", False)
    if not found and not erases:
        return None
    if erases:
        found = dict.fromkeys(PERSONAL_FIELDS)
    return {
        "application_id": (envelope or Envelope.of(event)).subject,
        "version": event.originator_version,
        "applicant_code": getattr(event, "applicant_code", None),
        **found,
        "erased": all(v is None for v in found.values()),
    }


def messages_for(
    event: CaseEvent | LedgerEvent, position: int, *, topic: str, pii_topic: str, source: str
) -> list[Message]:
    """The public message for an event, and the restricted one when configured and due."""
    envelope = Envelope.of(event)
    kind = message_kind(type(event))
    found = [_message(envelope, position, topic, kind, public_value(event, envelope), source)]
    if pii_topic:
        personal = personal_value(event, envelope)
        if personal is not None:
            found.append(
                _message(envelope, position, pii_topic, PERSONAL_DATA_TYPE, personal, source)
            )
    traceparent = event.meta.traceparent
    if traceparent:
        for message in found:
            message.headers.extend(tracing_headers(traceparent))
    return found


def tracing_headers(traceparent: str) -> tuple[tuple[str, bytes], ...]:
    """The distributed-tracing extension's attribute, and the W3C header."""
    value = traceparent.encode()
    return (("ce_traceparent", value), ("traceparent", value))


def _message(
    envelope: Envelope, position: int, topic: str, kind: str, value: dict[str, Any], source: str
) -> Message:
    subject = envelope.subject.encode()
    headers = [
        _SPECVERSION_HEADER,
        ("ce_id", envelope.ident.encode()),
        _constant_header("ce_type", ce_type(kind)),
        _constant_header("ce_source", source),
        ("ce_time", envelope.time.encode()),
        ("ce_subject", subject),
        _CONTENT_TYPE_HEADER,
    ]
    return Message(topic, subject, to_json(value), headers, envelope.ident, position)


@cache  # the headers every message of a kind, or of a source, repeats: built once, shared
def _constant_header(name: str, text: str) -> tuple[str, bytes]:
    return (name, text.encode())
