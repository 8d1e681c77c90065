"""Commands carry an idempotency key: eGov and operators retry, nothing is stored twice."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from domain import commands as c
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.errors import IdempotencyKeyReusedError, TransitionRefusedError
from domain.qualifications import KazTest
from infra.case_store import CaseService
from tests.support import builders as b
from tests.support.journey import PROTOCOL_DATE, SCORES, SLOT_DAY, Journey
from tests.support.stored import stored


def test_a_repeated_submission_returns_the_first_result_and_stores_nothing(
    service: CaseService,
) -> None:
    ctx = b.context("egov-4711", role=Role.APPLICANT)
    first = service.handle(b.submission(), ctx)
    before = stored(service)
    again = service.handle(b.submission(), ctx)
    assert (again.application_id, again.version, again.replayed) == (
        first.application_id,
        first.version,
        True,
    )
    assert stored(service) == before


def test_a_repeated_award_returns_the_first_result_and_stores_nothing(
    service: CaseService,
) -> None:
    j = Journey(service)
    j.to(Stage.INTERVIEWED)
    award = c.Award(j.id, "RK-2023/7", PROTOCOL_DATE)
    first = j.send(award, date(2023, 6, 12), role=Role.COMMISSION, idempotency_key="rk-7-1")
    before = stored(service)
    again = j.send(award, date(2023, 6, 12), role=Role.COMMISSION, idempotency_key="rk-7-1")
    assert again.replayed
    assert again.version == first.version
    assert stored(service) == before


def test_a_retry_after_later_events_still_returns_the_first_result(
    service: CaseService,
) -> None:
    j = Journey(service)
    j.to(Stage.SUBMITTED)
    first = j.send(c.AssessEligibility(j.id), date(2023, 4, 25), idempotency_key="assess-1")
    j.send(c.RecordTesting(j.id, 50, 60), date(2023, 5, 5))
    again = j.send(c.AssessEligibility(j.id), date(2023, 4, 25), idempotency_key="assess-1")
    assert (again.version, again.replayed) == (first.version, True)


def test_the_same_key_with_a_different_command_is_refused(service: CaseService) -> None:
    j = Journey(service)
    j.to(Stage.ELIGIBLE)
    j.send(c.RecordTesting(j.id, 50, 60), date(2023, 5, 5), idempotency_key="t-1")
    with pytest.raises(IdempotencyKeyReusedError) as e:
        j.send(c.RecordTesting(j.id, 99, 99), date(2023, 5, 5), idempotency_key="t-1")
    assert e.value.first_command == "record_testing"


def test_a_refused_command_uses_up_no_key(service: CaseService) -> None:
    j = Journey(service, b.submission(background=b.background(kaztest=KazTest(120))))
    j.to(Stage.SUBMITTED)
    with pytest.raises(TransitionRefusedError):
        j.send(c.RecordTesting(j.id, 50, 60), date(2023, 4, 26), idempotency_key="k-9")
    j.send(c.AssessEligibility(j.id), date(2023, 4, 26), idempotency_key="k-10")
    result = j.send(c.RecordTesting(j.id, 50, 60), date(2023, 4, 27), idempotency_key="k-9")
    assert not result.replayed


def test_two_submissions_with_different_keys_are_two_cases(service: CaseService) -> None:
    one = service.handle(b.submission(), b.context("a", role=Role.APPLICANT))
    two = service.handle(b.submission(), b.context("b", role=Role.APPLICANT))
    assert one.application_id != two.application_id


def test_a_step_decided_but_not_saved_leaves_the_case_as_it_was(service: CaseService) -> None:
    """Each command works on its own copy of the cached case (a failed save changes nothing)."""
    j = Journey(service)
    j.to(Stage.ELIGIBLE)
    copy_for_a_command = service.get_case(j.id)
    meta = list(service.events.get(j.id))[-1].meta  # type: ignore[attr-defined]
    testing_meta = dataclasses.replace(meta, command="record_testing", idempotency_key="x")
    copy_for_a_command.record_testing(testing_meta, 50, 50)
    assert copy_for_a_command.stage is Stage.TESTED
    fresh = service.get_case(j.id)
    assert (fresh.stage, fresh.version, "x" in fresh.commands) == (Stage.ELIGIBLE, 2, False)


def test_another_actor_reusing_a_key_is_a_conflict_not_a_replay(service: CaseService) -> None:
    """A replay returns the first result only to whoever sent the first command."""
    j = Journey(service)
    j.to(Stage.INTERVIEW_BOOKED)
    sheet = c.EvaluateInterview(j.id, SCORES, True, "")
    j.send(sheet, SLOT_DAY, role=Role.EXPERT, actor="nec-01", idempotency_key="sheet-1")
    with pytest.raises(IdempotencyKeyReusedError):
        j.send(sheet, SLOT_DAY, role=Role.EXPERT, actor="nec-02", idempotency_key="sheet-1")
