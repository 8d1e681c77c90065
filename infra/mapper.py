"""The mapper between events and stored records, using the msgspec codec.

It replaces the library's JSON transcoder for the cases' events (``infra/codec.py``) and
keeps the library's cipher, compressor and upcasting (``class_version``,
``upcast_vN_vN+1``) in the same places. It stores no case event without its chain hash
(``domain/case/chain.py``), and no personal data in the clear: a Submitted event's identity
is sealed by the ``Sealer`` it is given (``domain/case/personal.py``; the keys are infra's),
and it refuses to store one without a sealer.
"""

from __future__ import annotations

import contextlib
from functools import cache
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from domain.case import personal
from domain.case.chain import check_sealed, stored_body, stored_fields
from infra.codec import NotPlainError, bytes_decoder, encode_state, state_decoder
from infra.event_store import KeyedStoredEvent


class NoSealerError(RuntimeError):
    """Personal data reached a mapper that has no sealer (a configuration bug)."""


class DomainMapper(Mapper[UUID]):
    def __init__(self, *args: Any, sealer: personal.Sealer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sealer = sealer
        # a sealer whose new keys travel with the events (infra/pii/sealer.py's hand-over)
        self._unsaved_key = getattr(sealer, "unsaved_key", None)
        # False: a reader that has no use for identities (the relay without its restricted
        # topic) gets each one withheld, as an erased one reads, and opens no key
        self.opens_personal_data = True

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        cls = type(domain_event)
        check_sealed(domain_event)
        body = stored_body(domain_event)  # not changed here: copied where it differs
        data_key = None
        if personal.SALT_FIELD in body:
            body = personal.sealed_body(body, domain_event.originator_id, self._sealer())
            if self._unsaved_key is not None:
                data_key = self._unsaved_key(domain_event.originator_id)
        class_version = getattr(cls, "class_version", 1)
        if class_version > 1:
            body = {**body, "class_version": class_version}
        data = encode_state(body)
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        if data_key is not None:  # the key it was sealed under goes with it (event_store.py)
            return KeyedStoredEvent(
                originator_id=domain_event.originator_id,
                originator_version=domain_event.originator_version,
                topic=get_topic(cls),
                state=data,
                data_key=data_key,
            )
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(cls),
            state=data,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        cls = resolve_topic(stored_event.topic)
        data = stored_event.state
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        originator_id = stored_event.originator_id
        case_id = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
        state = None
        if not _carries_identity(cls):
            if getattr(cls, "erases_personal_data", False) and self.sealer is not None:
                self.sealer.forget(case_id)  # a key cached before another process erased it
            with contextlib.suppress(NotPlainError):  # an older shape: the dict path below
                state = bytes_decoder(cls)(data)  # the common case, in one pass
        if state is None:
            body: dict[str, Any] = orjson.loads(data)
            if personal.is_sealed(body):
                body = (
                    personal.opened_body(body, case_id, self._sealer())
                    if self.opens_personal_data
                    else personal.withheld_body(body)
                )
            _upcast(cls, body)
            state = state_decoder(cls)(body)
        state["originator_id"] = case_id
        state["originator_version"] = stored_event.originator_version
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event  # type: ignore[no-any-return]

    def _sealer(self) -> personal.Sealer:
        if self.sealer is None:
            raise NoSealerError(
                "personal data needs a sealer: build the store from infra.settings"
                " (PII_SEALER_TOPIC and BOLASHAK_PII_MASTER_KEY)"
            )
        return self.sealer


@cache
def _carries_identity(cls: type) -> bool:
    """An event class with a sealed identity (decoded through the dict path)."""
    return personal.SALT_FIELD in stored_fields(cls)


def _upcast(cls: type, body: dict[str, Any]) -> None:
    """The library's upcasting protocol: ``upcast_v1_v2(state)`` and so on, in place."""
    from_version = body.pop("class_version", 1)
    while from_version < getattr(cls, "class_version", 1):
        getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(body)
        from_version += 1
