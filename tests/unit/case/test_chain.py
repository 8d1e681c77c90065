"""Tamper evidence: every event of a case hashes its own content and its predecessor's hash."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from datetime import date
from typing import Any
from uuid import UUID

import orjson
import pytest

from domain.case import chain
from domain.case.chain import GENESIS, UnsealedEventError
from domain.case.chain_check import (
    ALTERED,
    DELETED,
    RELINKED,
    REORDERED,
    UNCHAINED,
    StoredLink,
    check_case,
)
from domain.case.events import erasure_applied
from domain.case.meta import Role
from domain.case.stage import Stage
from infra.case_store import CaseService
from tests.support import builders as b
from tests.support.journey import Journey


def stored_links(service: CaseService, journey: Journey | UUID) -> list[StoredLink]:
    case_id = journey.id if isinstance(journey, Journey) else journey
    return [
        StoredLink.from_row(s.originator_id, s.originator_version, s.topic, orjson.loads(s.state))
        for s in service.recorder.select_events(case_id)
    ]


def awarded_case(service: CaseService) -> Journey:
    j = Journey(service)
    j.to(Stage.AWARDED)
    return j


def edited(link: StoredLink, **meta: Any) -> StoredLink:
    state = orjson.loads(orjson.dumps(link.state))
    state["meta"].update(meta)
    return dataclasses.replace(link, state=state)


def test_every_recorded_event_carries_a_hash_over_its_stored_content(
    service: CaseService,
) -> None:
    links = stored_links(service, awarded_case(service))
    assert all(link.intact for link in links)
    assert check_case(links) == []


def test_the_first_event_links_to_genesis_and_each_next_one_to_its_predecessor(
    service: CaseService,
) -> None:
    links = stored_links(service, awarded_case(service))
    assert links[0].prev_hash == GENESIS
    assert [link.prev_hash for link in links[1:]] == [link.chain_hash for link in links[:-1]]


def test_the_case_knows_the_hash_of_its_last_event(service: CaseService) -> None:
    j = awarded_case(service)
    assert service.get_case(j.id).chain_head == stored_links(service, j)[-1].chain_hash


def test_the_store_refuses_a_case_event_without_its_hash(service: CaseService) -> None:
    j = awarded_case(service)
    event = list(service.events.get(j.id))[-1]
    unsealed = dataclasses.replace(event.meta, chain_hash="")  # type: ignore[attr-defined]
    object.__setattr__(event, "meta", unsealed)
    with pytest.raises(UnsealedEventError, match="no chain hash"):
        service.mapper.to_stored_event(event)


def test_a_replayed_command_stores_nothing_and_leaves_the_chain_intact(
    service: CaseService,
) -> None:
    ctx = b.context("egov-repeat", role=Role.APPLICANT)
    service.handle(b.submission(), ctx)
    again = service.handle(b.submission(), ctx)
    assert again.replayed
    links = stored_links(service, again.application_id)
    assert [link.version for link in links] == [1]
    assert check_case(links) == []


def test_an_edited_event_is_named_by_its_version(service: CaseService) -> None:
    links = stored_links(service, awarded_case(service))
    links[2] = edited(links[2], reason="edited afterwards")
    assert [(f.version, f.kind) for f in check_case(links)] == [(3, ALTERED)]


def test_a_deleted_event_is_named_by_its_version(service: CaseService) -> None:
    links = stored_links(service, awarded_case(service))
    del links[3]
    assert [(f.version, f.kind) for f in check_case(links)] == [(4, DELETED)]


def test_two_swapped_events_are_both_named_as_reordered(service: CaseService) -> None:
    links = stored_links(service, awarded_case(service))
    third, fourth = links[2], links[3]
    links[2] = dataclasses.replace(fourth, version=3)
    links[3] = dataclasses.replace(third, version=4)
    found = check_case(links)
    assert [(f.version, f.kind) for f in found] == [(3, REORDERED), (4, REORDERED)]
    assert "recorded as version 4 is stored as version 3" in found[0].detail


def test_an_event_edited_and_rehashed_breaks_the_link_of_the_next_one(
    service: CaseService,
) -> None:
    links = stored_links(service, awarded_case(service))
    forged = edited(links[2], reason="edited afterwards")
    links[2] = dataclasses.replace(forged, chain_hash=forged.recomputed())
    assert [(f.version, f.kind) for f in check_case(links)] == [(4, RELINKED)]


def test_an_event_stored_before_the_chain_existed_is_reported_unchained(
    service: CaseService,
) -> None:
    j = awarded_case(service)
    stored = service.recorder.select_events(j.id)[0]
    body = orjson.loads(stored.state)
    del body["meta"]["prev_hash"], body["meta"]["chain_hash"]  # the format before issue 6
    legacy = dataclasses.replace(stored, state=orjson.dumps(body))
    event = service.mapper.to_domain_event(legacy)
    assert event.meta.chain_hash == ""  # type: ignore[attr-defined]  # still decodable
    link = StoredLink.from_row(j.id, 1, stored.topic, body)
    assert [f.kind for f in check_case([link])] == [UNCHAINED]


# -- personal data: the chain covers a commitment, as docs/audit.md defines it ---------------


def canonical(value: Any) -> bytes:
    """Canonical JSON as docs/audit.md defines it, written without the project's code."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def test_an_auditor_recomputes_a_submission_hash_from_its_commitment_as_documented(
    service: CaseService,
) -> None:
    journey = Journey(service)
    journey.to(Stage.SUBMITTED)
    [stored] = service.recorder.select_events(journey.id)
    body = orjson.loads(stored.state)
    assert set(body["applicant"]) == {"commitment", "sealed"}
    assert "applicant_salt" not in body
    submitted = next(iter(service.events.get(journey.id)))
    identity = dataclasses.asdict(b.applicant())
    identity["birth_date"] = identity["birth_date"].isoformat()
    salt = submitted.applicant_salt  # type: ignore[attr-defined]
    commitment = hashlib.sha256(canonical({"identity": identity, "salt": salt})).hexdigest()
    assert body["applicant"]["commitment"] == commitment
    chain_hash = body["meta"].pop("chain_hash")
    state = {**body, "applicant": commitment}
    content = {
        "originator_id": str(journey.id),
        "originator_version": 1,
        "topic": "domain.case.events:Submitted",
        "state": state,
    }
    assert hashlib.sha256(canonical(content)).hexdigest() == chain_hash


def test_an_erased_submission_still_links_into_the_chain(service: CaseService) -> None:
    journey = awarded_case(service)
    journey.erase(date(2023, 6, 20))
    assert check_case(stored_links(service, journey)) == []
    assert service.get_case(journey.id).applicant is None


# -- the body sealed for the hash is the body stored (encoded once) -------------------------


def test_the_body_encoded_for_the_hash_is_the_one_stored_byte_for_byte(
    service: CaseService,
) -> None:
    j = Journey(service)
    result = j.send(j.submission, date(2023, 4, 20), role=Role.APPLICANT, actor="egov")
    event = copy.copy(result.events[0])  # a new object: sealed below as a new event is
    chain.seal(event, GENESIS)
    assert set(vars(event)) == {f.name for f in dataclasses.fields(event)}  # nothing extra
    kept = chain.stored_body(event)
    assert orjson.dumps(kept) == orjson.dumps(chain.encode_body(event))  # same keys, order
    again = chain.stored_body(event)  # handed over once: encoded anew after that
    assert again == kept
    assert again is not kept


def test_a_copy_of_a_sealed_event_is_encoded_from_what_it_holds(service: CaseService) -> None:
    """A copy made to differ (an erased identity) never gets the original's body."""
    j = Journey(service)
    result = j.send(j.submission, date(2023, 4, 20), role=Role.APPLICANT, actor="egov")
    (erased,) = j.erase(date(2023, 4, 26)).events
    event = copy.copy(result.events[0])
    chain.seal(event, GENESIS)
    blank = erasure_applied([event, erased])[0]
    assert blank is not event
    assert chain.stored_body(blank)["applicant"] is None
    assert chain.stored_body(event)["applicant"] is not None  # still the original's
