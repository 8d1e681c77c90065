"""The store writes and reads every event type exactly as before (stored bytes never
change): the golden file was written by the type-walking codec that msgspec replaced
(``tests/support/stored_bytes.py``)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.case import chain
from domain.case.chain_check import StoredLink, check_case
from domain.case.events import EVENT_TYPES, CaseEvent, Submitted
from domain.case.personal import chained_body
from infra.audit.stored import link_of
from infra.mapper import DomainMapper
from tests.support.stored_bytes import PlainSealer, golden_events

ERASED, GOLDEN = golden_events()
MAPPER = DomainMapper(transcoder=None, sealer=PlainSealer(ERASED))


def _read(stored: StoredEvent) -> CaseEvent:
    event = MAPPER.to_domain_event(stored)
    assert isinstance(event, CaseEvent)
    return event


def test_the_golden_file_holds_every_event_type() -> None:
    assert {g.topic for g in GOLDEN} == {get_topic(t) for t in EVENT_TYPES}


def test_every_stored_body_decodes_to_the_event_it_decoded_to_before() -> None:
    for g in GOLDEN:
        event = _read(StoredEvent(g.originator_id, g.originator_version, g.topic, g.state))
        assert repr(event) == g.event


def test_every_event_is_stored_as_the_same_bytes() -> None:
    for g in GOLDEN:
        event = _read(StoredEvent(g.originator_id, g.originator_version, g.topic, g.state))
        if isinstance(event, Submitted) and event.applicant is None:
            continue  # erased: never sealed again (tests/unit/case/test_transcodings.py)
        stored = MAPPER.to_stored_event(event)
        assert (stored.topic, stored.originator_version) == (g.topic, g.originator_version)
        assert stored.state == g.state, g.topic


def test_the_chain_hash_the_aggregate_makes_of_each_event_is_the_one_stored() -> None:
    for g in GOLDEN:
        event = _read(StoredEvent(g.originator_id, g.originator_version, g.topic, g.state))
        if isinstance(event, Submitted) and event.applicant is None:
            continue  # its identity is gone: the audit below checks its stored commitment
        body = chain.encode_body(event)
        chain_hash = body["meta"].pop("chain_hash")
        again = chain.digest(g.originator_id, g.originator_version, g.topic, chained_body(body))
        assert again == chain_hash, g.topic


def test_the_audit_verifies_every_golden_case() -> None:
    """``bolashak audit verify``'s check, on the stored rows of the golden file."""
    cases: dict[UUID, list[StoredLink]] = {}
    for g in GOLDEN:
        link = link_of(MAPPER, g.originator_id, g.originator_version, g.topic, g.state)
        cases.setdefault(g.originator_id, []).append(link)
    assert len(cases) > 1
    assert {case: check_case(links) for case, links in cases.items()} == {c: [] for c in cases}
