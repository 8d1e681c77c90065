"""A mutation answers with the case as stored (read-your-writes): a new case's answer is
folded from the events the command just stored, without reading them back; a later
command's answer is folded onto the answer to the version before it (api/answers.py), and
read back from the store when this process did not give that one."""

from __future__ import annotations

from datetime import date
from typing import cast

import pytest

from api.answers import CaseAnswers, application_from_events, case_as_of
from api.commands import refusal
from api.types.results import ProcessRefused
from domain import commands as c
from domain.case.events import CaseEvent
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.errors import DomainError, TransitionRefusedError
from domain.service import CommandResult
from infra.case_store import CaseService
from infra.container import build_service
from infra.settings import Settings
from tests.support import builders as b
from tests.support.journey import ON, PATH, Journey

SUBMITTED_ON = dict(PATH)[Stage.SUBMITTED]


def test_a_new_case_is_answered_from_its_stored_events_as_the_store_reads_it(
    service: CaseService,
) -> None:
    j = Journey(service)
    result = j.send(j.submission, SUBMITTED_ON, role=Role.APPLICANT, actor="egov")
    assert result.whole_case is not None
    assert [e.originator_version for e in result.whole_case] == list(range(1, result.version + 1))
    answered = application_from_events(result.application_id, result.whole_case)
    read_back = case_as_of(service, result.application_id, result.version)
    assert answered is not None
    assert answered == read_back
    assert read_back is not None
    assert read_back.applicant is not None  # the identity...
    assert answered.applicant == read_back.applicant  # ...opened alike
    assert read_back.applicant.iin not in repr(result)  # a result printed shows no identity


def test_a_later_command_or_a_replay_is_answered_by_reading_the_case_back(
    service: CaseService,
) -> None:
    j = Journey(service)
    j.to(Stage.ELIGIBLE)
    later = j.erase(date(2023, 4, 26), idempotency_key="erase-1")
    assert later.events
    assert later.whole_case is None  # not every event of the case
    replayed = j.erase(date(2023, 4, 26), idempotency_key="erase-1")
    assert replayed.replayed
    assert replayed.events == ()
    assert replayed.whole_case is None


def test_a_refusal_of_no_known_kind_is_a_bug_not_an_answer() -> None:
    """Every refusal the domain makes is answered by its own type; one of another kind
    was answered as a ProcessRefused naming no command, stage or rule, hiding the bug."""

    class UnheardOfError(DomainError):
        pass

    answered = refusal(TransitionRefusedError("award", "submitted", "a_rule", "not now"))
    assert isinstance(answered, ProcessRefused)
    assert (answered.command, answered.rule) == ("award", "a_rule")
    with pytest.raises(UnheardOfError):
        refusal(UnheardOfError("who knows"))


# -- a later command's answer: folded onto the one before, or read back --------------------


def test_a_later_command_is_answered_from_the_answer_before_it_without_a_read(
    service: CaseService,
) -> None:
    answers = CaseAnswers(service)
    j = Journey(service)
    answers.after(j.send(j.submission, SUBMITTED_ON, role=Role.APPLICANT, actor="egov"))
    for stage in (Stage.ELIGIBLE, Stage.TESTED, Stage.INTERVIEW_BOOKED):
        before = service.get_case(j.id).version
        j.to(stage)
        stored = cast(list[CaseEvent], list(service.events.get(j.id, gt=before)))
        result = CommandResult(j.id, service.get_case(j.id).version, False, events=tuple(stored))
        assert answers.after(result) == case_as_of(service, j.id)
    assert answers.read_back == 0


def test_a_case_another_process_wrote_meanwhile_is_read_back(sqlite_settings: Settings) -> None:
    here, there = build_service(sqlite_settings), build_service(sqlite_settings)
    try:
        answers = CaseAnswers(here)
        j = Journey(here)
        answers.after(j.send(j.submission, SUBMITTED_ON, role=Role.APPLICANT, actor="egov"))
        Journey.resume(there, j.id).to(Stage.ELIGIBLE)  # version 2, not answered here
        tested = j.send(c.RecordTesting(j.id, 70, 81), ON[Stage.TESTED])
        answered = answers.after(tested)
        assert answers.read_back == 1
        assert answered == case_as_of(here, j.id)
        assert answered is not None
        assert answered.stage == Stage.TESTED
    finally:
        here.close()
        there.close()


def test_an_erasure_by_another_process_blanks_the_identity_in_the_next_answer(
    sqlite_settings: Settings,
) -> None:
    """The identity kept with an answer is never shown past an erasure: another process's
    erasure is an event of the case, so the next answer here reads the case back."""
    here, there = build_service(sqlite_settings), build_service(sqlite_settings)
    try:
        answers = CaseAnswers(here)
        j = Journey(here)
        first = answers.after(j.send(j.submission, SUBMITTED_ON, role=Role.APPLICANT, actor="egov"))
        assert first is not None
        assert first.applicant is not None
        Journey.resume(there, j.id).erase(ON[Stage.ELIGIBLE])
        eligible = j.send(c.AssessEligibility(j.id), ON[Stage.ELIGIBLE])
        answered = answers.after(eligible)
        assert answered is not None
        assert answered.applicant is None
        assert answers.read_back == 1
    finally:
        here.close()
        there.close()


def test_an_erasure_here_answers_with_no_identity(service: CaseService) -> None:
    answers = CaseAnswers(service)
    j = Journey(service)
    answers.after(j.send(j.submission, SUBMITTED_ON, role=Role.APPLICANT, actor="egov"))
    answered = answers.after(j.erase(date(2023, 4, 26)))
    assert answered is not None
    assert answered.applicant is None
    assert answered == case_as_of(service, j.id)
    assert answers.read_back == 0


def test_only_the_most_recent_cases_answers_are_kept(service: CaseService) -> None:
    answers = CaseAnswers(service, kept=1)
    first, second = Journey(service), Journey(service, b.submission(applicant=b.unique_applicant()))
    answers.after(first.send(first.submission, SUBMITTED_ON, role=Role.APPLICANT, actor="egov"))
    answers.after(second.send(second.submission, SUBMITTED_ON, role=Role.APPLICANT, actor="egov"))
    answered = answers.after(first.erase(date(2023, 4, 26)))  # forgotten: read back
    assert answers.read_back == 1
    assert answered == case_as_of(service, first.id)
