"""Every event type survives storage unchanged: dates, enums, decimals, tuples, nested values."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
import pytest

from domain.case.events import EVENT_TYPES, CaseEvent, Submitted
from domain.case.personal import PersonalDataError
from domain.codec import UnsupportedTypeError, field_converters
from domain.service import CaseService
from tests.support.all_events import record_every_event_type


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


def test_a_type_the_codec_does_not_know_is_refused_not_stored_as_text() -> None:
    @dataclass(frozen=True)
    class WithASet:
        tags: set[str]

    with pytest.raises(UnsupportedTypeError, match=r"WithASet.tags"):
        field_converters(WithASet)


def test_every_event_class_can_be_stored() -> None:
    for event_type in EVENT_TYPES:
        assert field_converters(event_type)
