"""On PostgreSQL a new case's data key is stored by the same statement as the case's first
events (``infra/event_store.py``, ``infra/pii/sealer.py``): never the events without the
key their identity was sealed under, nor the key without its events; a key row already
there refuses the save like a version already taken, and the next attempt seals under the
stored key."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.service import application_id_for
from domain.submission import ApplicantIdentity
from infra.case_store import CaseService
from infra.container import build_reader, build_service
from infra.event_store import KeyedStoredEvent, LockedInsertRecorder
from infra.pii.keys import SqlKeyStore
from infra.pii.sealer import KeySealer
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support import builders as b
from tests.support.journey import ON, Journey


@pytest.fixture
def service(fresh_postgres: Settings) -> Iterator[CaseService]:
    with closing(build_service(fresh_postgres, clock=FixedClock(FAR_FUTURE))) as found:
        yield found


def sealer_of(service: CaseService) -> KeySealer:
    sealer = service.sealer
    assert isinstance(sealer, KeySealer)
    return sealer


def key_rows(service: CaseService) -> dict[UUID, bytes | None]:
    store = sealer_of(service).store
    assert isinstance(store, SqlKeyStore)
    return {row.application_id: row.wrapped for row in store.since(0)}


def identity_read_afresh(settings: Settings, case_id: UUID) -> str | None:
    """The applicant's name as a process that never held the key reads it."""
    with closing(build_reader(settings)) as reader:
        submitted = next(iter(reader.events.get(case_id)))
        applicant = getattr(submitted, "applicant", None)
        return None if applicant is None else str(applicant.full_name)


def test_a_new_cases_key_is_stored_by_the_statement_of_its_first_events(
    service: CaseService, fresh_postgres: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(service.recorder, LockedInsertRecorder)
    assert service.recorder.keys is sealer_of(service)

    def no_insert_of_its_own(*_: object) -> None:
        raise AssertionError("the key was inserted on its own")

    monkeypatch.setattr(SqlKeyStore, "insert_or_get", no_insert_of_its_own)
    statements = service.recorder.statements
    person = b.unique_applicant()
    j = Journey(service, b.submission(applicant=person))
    j.send(j.submission, ON[Stage.SUBMITTED], role=Role.APPLICANT, actor="egov")
    assert service.recorder.statements == statements + 1  # key and events: one statement
    assert key_rows(service)[j.id] is not None
    assert sealer_of(service).unsaved_key(j.id) is None  # stored: handed over no more
    assert identity_read_afresh(fresh_postgres, j.id) == person.full_name


def test_a_key_left_without_events_refuses_the_first_save_and_the_next_seals_under_it(
    service: CaseService, fresh_postgres: Settings
) -> None:
    """An older version inserted a case's key before saving its events, and a crash
    between left the key alone. The submission retried now seals under that stored key."""
    sealer = sealer_of(service)
    key = "retried-after-a-crash"
    case_id = application_id_for(key)
    left = sealer.store.insert_or_get(case_id, sealer._wrap(case_id)).wrapped
    person = b.unique_applicant()
    j = Journey(service, b.submission(applicant=person))
    result = j.send(
        j.submission, ON[Stage.SUBMITTED], role=Role.APPLICANT, actor="egov", idempotency_key=key
    )
    assert result.application_id == case_id
    assert key_rows(service)[case_id] == left  # the key left behind, not a new one
    assert identity_read_afresh(fresh_postgres, case_id) == person.full_name


def test_one_submission_from_two_processes_at_once_is_stored_once_under_one_key(
    fresh_postgres: Settings,
) -> None:
    person = b.unique_applicant()
    key = "sent-twice"
    with (
        closing(build_service(fresh_postgres, clock=FixedClock(FAR_FUTURE))) as first,
        closing(build_service(fresh_postgres, clock=FixedClock(FAR_FUTURE))) as second,
    ):
        results = []
        for service in (first, second):
            j = Journey(service, b.submission(applicant=person))
            results.append(
                j.send(
                    j.submission,
                    ON[Stage.SUBMITTED],
                    role=Role.APPLICANT,
                    actor="egov",
                    idempotency_key=key,
                )
            )
        assert [r.replayed for r in results] == [False, True]
        case_id = results[0].application_id
        assert [e.originator_version for e in second.events.get(case_id)] == [1]
        for service in (first, second):
            applicant = service.get_case(case_id).applicant
            assert applicant is not None
            assert applicant.full_name == person.full_name
    assert identity_read_afresh(fresh_postgres, case_id) == person.full_name


def test_a_refused_save_stores_no_key(service: CaseService) -> None:
    """The key is inserted in the save's own transaction: when the save's versions are
    taken, the key goes too (alone and within a group of saves)."""
    j = Journey(service)
    j.to(Stage.AWARDED)  # opens the campaign's ledger: an aggregate without a data key
    ledger = next(
        e
        for e in service.recorder.select_notifications(1, 1000)
        if e.topic.endswith("LedgerOpened")
    )
    recorder = service.recorder
    assert isinstance(recorder, LockedInsertRecorder)
    taken = KeyedStoredEvent(
        originator_id=ledger.originator_id,
        originator_version=1,
        topic=ledger.topic,
        state=ledger.state,
        data_key=b"\1" * 60,
    )
    with pytest.raises(IntegrityError):
        recorder.insert_events([taken])
    assert ledger.originator_id not in key_rows(service)


def test_submissions_saved_together_each_store_their_own_key(
    service: CaseService, fresh_postgres: Settings
) -> None:
    """Concurrent submissions are written in groups, one statement for several saves:
    each case's key goes in with its own events."""
    people = [b.unique_applicant() for _ in range(16)]
    recorder = service.recorder
    assert isinstance(recorder, LockedInsertRecorder)

    def submit(person: ApplicantIdentity) -> UUID:
        j = Journey(service, b.submission(applicant=person))
        return j.send(
            j.submission, ON[Stage.SUBMITTED], role=Role.APPLICANT, actor="egov"
        ).application_id

    with ThreadPoolExecutor(16) as pool:
        cases = list(pool.map(submit, people))
    assert recorder.grouped > 0  # some saves were written together
    rows = key_rows(service)
    assert all(rows[case_id] is not None for case_id in cases)
    for case_id, person in zip(cases, people, strict=True):
        assert identity_read_afresh(fresh_postgres, case_id) == person.full_name
