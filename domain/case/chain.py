"""The tamper-evident hash chain of a case: each event hashes its content and its
predecessor's hash.

Definition (what ``bolashak audit verify`` recomputes from the stored rows alone):

    chain_hash = SHA-256 hex of the canonical JSON of
        {"originator_id": "<uuid, lowercase with hyphens>",
         "originator_version": <int>,
         "topic": "<event class topic, e.g. domain.case.events:Awarded>",
         "state": <the stored event body, meta included, without meta.chain_hash,
                   and for a Submitted event with "applicant" replaced by
                   "applicant"."commitment" (its "sealed" part is not hashed)>}

Canonical JSON: keys sorted, no whitespace, UTF-8 (``orjson`` with ``OPT_SORT_KEYS``). The
body is the stored JSON object itself: ``encode_body`` makes it for the chain and for the
store (``infra/mapper.py``) alike, so the recording
``timestamp``, the business date, the actor, the facts, and ``meta.prev_hash`` (the
previous event's ``chain_hash``, or ``GENESIS`` for version 1) are all covered. Changing a
byte of an event, deleting one, or moving one to another version breaks the chain at
exactly that version.

Personal data is not hashed as such (``domain/case/personal.py``): the stored ``applicant``
of a Submitted event is ``{"commitment": c, "sealed": s}``, where ``c`` is the SHA-256
hex of the canonical JSON ``{"identity": <identity>, "salt": <secret salt>}`` and ``s``
that JSON encrypted under the case's own data key. The chain covers ``c``; destroying the
key (erasure) leaves every hash verifiable, and while the key exists the opened identity
must hash to ``c``. (Events stored before this scheme hold the identity in plain JSON and
their hash covers it as stored.)

The hash is made when the aggregate records the event (``seal``, called from
``Application.trigger_event`` and ``Application._create``), so a retried command seals a
fresh event on the reloaded case, and the mapper refuses to store a case event that is not
sealed (``check_sealed``): no save can bypass the chain.
"""

from __future__ import annotations

import dataclasses
import hashlib
import weakref
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.utils import get_topic

from domain.case.meta import EventMeta
from domain.case.personal import chained_body

GENESIS = "0" * 64  # the "previous hash" of a case's first event
_CANONICAL = orjson.OPT_SORT_KEYS


class UnsealedEventError(ValueError):
    """A case event reached the store without its chain hash (a bug, never data)."""


IDENTITY = ("originator_id", "originator_version")  # stored beside the body, not in it
# Each sealed event's encoded body until the mapper takes it, by the event's id, with a
# weak reference that checks the event is the same object (and drops the entry when it
# is collected unstored). Kept apart from the event, not in its ``__dict__``: serialisers
# that read ``vars(event)`` must never meet a copy of the identity in the clear.
_BODIES: dict[int, tuple[weakref.ref[Any], dict[str, Any]]] = {}
_META_WHEN_SET = EventMeta.stored_when_set  # left out of the stored metadata when empty


@cache
def stored_fields(cls: type) -> tuple[str, ...]:
    """The fields of a dataclass (an event or a value in one) that its stored object
    holds, in declaration order: all but an event's originator id and version."""
    return tuple(f.name for f in dataclasses.fields(cls) if f.name not in IDENTITY)


def encode_body(event: Any) -> dict[str, Any]:
    """The stored JSON object of an event (without its class version marker): its stored
    fields; enums by value, dates and times in ISO form, ids as text, decimals as text,
    tuples as lists, frozen dataclasses as objects of their stored fields (less those in
    the class's ``stored_when_set`` that are empty: the metadata's traceparent). Any other type
    is refused (``TypeError``), never stored as text.

    orjson writes the dataclasses itself, each as its ``__dict__`` (a frozen dataclass's
    fields, in their order; a field missing from an event decoded from older bytes is
    absent); the event's originator id and version and an empty ``stored_when_set`` field
    of its metadata are then taken out. A callback per dataclass, to write only its stored
    fields, cost twice the whole encoding."""
    found: dict[str, Any] = orjson.loads(orjson.dumps(event, default=_decimal))
    for name in IDENTITY:
        del found[name]
    meta = found.get("meta")
    if isinstance(meta, dict):
        for name in _META_WHEN_SET:
            if not meta.get(name, True):
                del meta[name]
    return found


def _decimal(value: Any) -> str:
    """What orjson does not write itself: a decimal, as text."""
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"the event store does not know how to store {type(value).__qualname__}")


def digest(originator_id: UUID | str, version: int, topic: str, state: dict[str, Any]) -> str:
    """The chain hash of one stored event; ``state["meta"]`` must lack ``chain_hash``."""
    content = {
        "originator_id": str(originator_id),
        "originator_version": version,
        "topic": topic,
        "state": state,
    }
    return hashlib.sha256(orjson.dumps(content, option=_CANONICAL)).hexdigest()


def seal(event: Any, prev_hash: str) -> None:
    """Links a new event to its predecessor and stores its own hash in its metadata.

    Events are frozen; this runs once, between the event's construction and its first
    use (the aggregate's ``trigger_event``), before anyone else holds it. The stored body
    encoded for the hash is kept for the event (``stored_body``): the mapper stores it
    without encoding the event a second time.
    """
    linked = _linked(event.meta, prev_hash)
    object.__setattr__(event, "meta", linked)
    body = encode_body(event)
    meta = body["meta"]
    hashed = {**body, "meta": {k: v for k, v in meta.items() if k != "chain_hash"}}
    class_version = getattr(type(event), "class_version", 1)
    if class_version > 1:
        hashed["class_version"] = class_version  # as the mapper stores it
    topic = get_topic(type(event))
    own = digest(event.originator_id, event.originator_version, topic, chained_body(hashed))
    object.__setattr__(linked, "chain_hash", own)  # this event's own new metadata
    meta["chain_hash"] = own  # the body is now encode_body(event)'s, in the same order
    key = id(event)
    _BODIES[key] = (weakref.ref(event, lambda _: _BODIES.pop(key, None)), body)


def _linked(meta: Any, prev_hash: str) -> Any:
    """A copy of ``meta`` (a frozen dataclass, every event's own) with ``prev_hash`` set and
    no chain hash yet: its attributes copied, as ``dataclasses.replace`` would give them
    without running the constructor again (a seventh of the cost, for every event)."""
    linked = object.__new__(type(meta))
    state = linked.__dict__
    state.update(meta.__dict__)
    state["prev_hash"] = prev_hash
    state["chain_hash"] = ""
    return linked


def stored_body(event: Any) -> dict[str, Any]:
    """The event's stored JSON object (``encode_body``): the one ``seal`` made for it,
    handed over once (the mapper stores it), else encoded now (an event read back, a
    copy, a second save). Not to be changed: the caller copies what it alters."""
    kept = _BODIES.pop(id(event), None)
    if kept is not None and kept[0]() is event:
        return kept[1]
    return encode_body(event)


def check_sealed(event: Any) -> None:
    meta = getattr(event, "meta", None)
    if meta is not None and not getattr(meta, "chain_hash", ""):
        raise UnsealedEventError(
            f"{type(event).__name__} v{event.originator_version} of {event.originator_id} "
            "has no chain hash: case events are recorded only through the aggregate"
        )
