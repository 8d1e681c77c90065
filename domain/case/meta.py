"""Who did what, when and why: the metadata every event of a case carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import ClassVar


class Role(Enum):
    APPLICANT = "applicant"  # files through eGov
    OFFICER = "officer"  # CIP case work
    EXPERT = "expert"  # member of the Independent Expert Commission (NEC)
    COMMISSION = "commission"  # Republican Commission for Training Personnel Abroad
    AUDITOR = "auditor"  # reads everything, changes nothing
    ADMIN = "admin"
    SYSTEM = "system"  # scheduled jobs (the contract deadline job)


@dataclass(frozen=True)
class CommandContext:
    """What the caller states with every command.

    ``occurred_on`` is the business date (the day it happened in the real process), which
    may be earlier than the day it is recorded: never after today, never before the case's
    last event, and not more than the backdating window before today unless an admin gives
    ``backdating_reason`` (kept with the event). ``idempotency_key`` makes retries safe.
    """

    actor_id: str
    role: Role
    idempotency_key: str
    occurred_on: date
    reason: str = ""
    correlation_id: str = ""
    causation_id: str = ""
    backdating_reason: str = ""
    # the W3C traceparent of the command's span (empty when tracing is off), for its events
    traceparent: str = ""


@dataclass(frozen=True)
class EventMeta:
    """Stored with every event, next to the library's recording ``timestamp``."""

    actor_id: str
    actor_role: Role
    reason: str
    correlation_id: str
    causation_id: str
    occurred_on: date
    idempotency_key: str
    command: str
    command_fingerprint: str
    # the case's hash chain (``domain/case/chain.py``), filled in when the event is made;
    # empty on events stored before the chain existed
    prev_hash: str = ""
    chain_hash: str = ""
    # an admin's reason for a business date more than the backdating window before the
    # day it was recorded; empty otherwise (and on events stored before it existed)
    backdating_reason: str = ""
    # the W3C traceparent of the command that recorded the event (OpenTelemetry), so that
    # the relay's message and its consumers continue the trace; empty when tracing was off
    # (and on events stored before it existed), and then not stored at all; left out of
    # the repr, as it is out of the stored bytes, when empty or not
    traceparent: str = field(default="", repr=False)

    # fields stored only when they hold something: bytes stored before they existed, and
    # events recorded without them, are the same (``domain/case/chain.py::encode_body``)
    stored_when_set: ClassVar[frozenset[str]] = frozenset({"traceparent"})
