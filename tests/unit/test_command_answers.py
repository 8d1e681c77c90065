"""A mutation answers with the case as stored (read-your-writes): a new case's answer is
folded from the events the command just stored, without reading them back; any other
command's answer is read back from the store."""

from __future__ import annotations

from datetime import date

import pytest

from api.commands import application_from_events, case_as_of, refusal
from api.types.results import ProcessRefused
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.errors import DomainError, TransitionRefusedError
from infra.case_store import CaseService
from tests.support.journey import PATH, Journey

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
