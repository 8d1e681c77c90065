"""Every event type survives storage unchanged: dates, enums, decimals, tuples, nested values."""

from __future__ import annotations

from domain.case.events import EVENT_TYPES, CaseEvent
from domain.service import CaseService
from tests.support.all_events import record_every_event_type


def test_every_event_type_round_trips_through_the_mapper(service: CaseService) -> None:
    seen: set[type[CaseEvent]] = set()
    for case_id in record_every_event_type(service):
        for event in service.events.get(case_id):
            stored = service.mapper.to_stored_event(event)
            assert service.mapper.to_domain_event(stored) == event
            seen.add(type(event))  # type: ignore[arg-type]
    assert seen == set(EVENT_TYPES)


def test_enums_are_stored_under_their_own_names_not_as_plain_strings(
    service: CaseService,
) -> None:
    case_id = record_every_event_type(service)[0]
    first = next(iter(service.events.get(case_id)))
    state = service.mapper.to_stored_event(first).state.decode()
    assert '"_type_":"Programme"' in state
    assert '"_type_":"date_iso"' in state
