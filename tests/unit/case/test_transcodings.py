"""Every event type survives storage unchanged: dates, enums, decimals, tuples, nested values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import orjson
import pytest
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.case.chain import encode_body
from domain.case.events import EVENT_TYPES, CaseEvent, Submitted
from domain.case.personal import PersonalDataError
from infra.case_store import CaseService
from infra.codec import bytes_decoder, mirror, state_decoder
from tests.support.all_events import record_every_event_type

NOW = datetime(2023, 5, 5, tzinfo=UTC)


def test_every_event_type_round_trips_through_the_mapper(service: CaseService) -> None:
    seen: set[type[CaseEvent]] = set()
    for case_id in record_every_event_type(service):
        for event in service.events.get(case_id):
            seen.add(type(event))  # type: ignore[arg-type]
            if isinstance(event, Submitted) and event.applicant is None:
                with pytest.raises(PersonalDataError, match="erased"):
                    service.mapper.to_stored_event(event)  # its key is gone: never re-sealed
                continue
            stored = service.mapper.to_stored_event(event)
            assert service.mapper.to_domain_event(stored) == event
    assert seen == set(EVENT_TYPES)


def test_enums_dates_and_decimals_are_stored_in_plain_readable_form(
    service: CaseService,
) -> None:
    case_id = record_every_event_type(service)[0]
    first = next(iter(service.events.get(case_id)))
    state = orjson.loads(service.mapper.to_stored_event(first).state)
    assert state["plan"]["programme"] == "masters"
    assert state["meta"]["occurred_on"] == "2023-04-20"
    assert state["meta"]["actor_role"] == "applicant"


@dataclass(frozen=True)
class Tagged(DomainEvent):
    tags: set[str]


def test_a_type_the_store_does_not_know_is_refused_not_stored_as_text() -> None:
    """A set has no JSON form the store keeps (orjson writes none, nor text for it)."""
    event = Tagged(originator_id=uuid4(), originator_version=1, timestamp=NOW, tags={"a"})
    with pytest.raises(TypeError):
        encode_body(event)


def test_every_event_class_can_be_read() -> None:
    for event_type in EVENT_TYPES:
        assert mirror(event_type).__struct_fields__


@dataclass(frozen=True)
class Noted(DomainEvent):
    """A test event at class version 2: v1 stored its ``note`` as ``text``, without tags."""

    note: str
    tags: tuple[str, ...] = ()
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["note"] = state.pop("text")


def _stored(body: dict[str, Any]) -> StoredEvent:
    body = {"timestamp": NOW.isoformat(), **body}
    return StoredEvent(uuid4(), 1, get_topic(Noted), orjson.dumps(body))


def test_an_event_stored_at_an_older_class_version_is_upcast(service: CaseService) -> None:
    event = service.mapper.to_domain_event(_stored({"text": "first form"}))
    assert isinstance(event, Noted)
    assert (event.note, event.tags) == ("first form", ())


def test_a_field_added_with_a_default_reads_as_the_default_where_it_was_not_stored(
    service: CaseService,
) -> None:
    event = service.mapper.to_domain_event(_stored({"note": "n", "class_version": 2}))
    assert isinstance(event, Noted)
    assert event.tags == ()


def test_the_one_pass_decoder_gives_what_the_field_by_field_decoder_gives(
    service: CaseService,
) -> None:
    """infra/codec.py: ``bytes_decoder`` (from the bytes) is the fast path of ``state_decoder``
    (from the opened body)."""
    for case_id in record_every_event_type(service):
        for event in service.events.get(case_id):
            cls = type(event)
            if cls is Submitted:  # its sealed identity is opened on the dict path
                continue
            data = service.mapper.to_stored_event(event).state
            fast, plain = bytes_decoder(cls)(data), state_decoder(cls)(orjson.loads(data))
            assert fast == plain
            assert {k: type(v) for k, v in fast.items()} == {k: type(v) for k, v in plain.items()}
