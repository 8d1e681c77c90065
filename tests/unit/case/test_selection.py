"""The three selection rounds (000 "4. қадам"; 001 "3 ТУРА КОНКУРСНОГО ОТБОРА") and the
Republican Commission's decision. Grouped by the stage the case is in.

A rule of the process itself is shown on the aggregate alone, given the case's events
(tests/support/decider.py); permissions and the service's own checks through the service."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain import commands as c
from domain.case import events as ev
from domain.case.events import CourseRoute, TestingAnnulment
from domain.case.meta import Role
from domain.case.stage import CaseStatus, Stage
from domain.errors import InvalidInputError, TransitionRefusedError
from domain.permissions import PermissionDeniedError
from domain.qualifications import KazTest
from infra.case_store import CaseService
from tests.support import builders as b
from tests.support.decider import CASE, event, given, path_to
from tests.support.journey import EXPERTS, PROTOCOL_DATE, SCORES, SLOT_DAY, Journey


def refused_rule(excinfo: pytest.ExceptionInfo[TransitionRefusedError]) -> str:
    return excinfo.value.rule


class TestWhenSubmitted:
    def test_assessing_eligibility_records_the_ruleset_and_the_facts(
        self, service: CaseService
    ) -> None:
        j = Journey(service)
        j.to(Stage.ELIGIBLE)
        event = list(service.events.get(j.id))[-1]
        assert event.decision_basis.rulesets[0] == "eligibility-2023-campaign"  # type: ignore[attr-defined]
        assert event.decision_basis.facts["kaztest.correct_answers"] == "120"  # type: ignore[attr-defined]

    def test_an_applicant_failing_a_rule_becomes_ineligible_with_every_reason(
        self, service: CaseService
    ) -> None:
        j = Journey(
            service,
            b.submission(
                background=b.background(kaztest=KazTest(100), bachelor_specialty_related=False)
            ),
        )
        j.to(Stage.SUBMITTED)
        j.send(c.AssessEligibility(j.id), date(2023, 4, 25))
        case = service.get_case(j.id)
        assert case.stage is Stage.INELIGIBLE
        assert case.stage.status is CaseStatus.CLOSED
        event = list(service.events.get(j.id))[-1]
        assert [f.rule for f in event.failures] == [  # type: ignore[attr-defined]
            "kaztest_at_least_minimum",
            "bachelor_specialty_related",
        ]

    def test_the_language_route_is_decided_with_eligibility(self, service: CaseService) -> None:
        """001 table: IELTS 7.0 is above the third threshold (6.5): straight to study."""
        j = Journey(service)
        j.to(Stage.ELIGIBLE)
        assert service.get_case(j.id).route is CourseRoute.STRAIGHT_TO_STUDY

    def test_no_testing_before_eligibility(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.SUBMITTED)
        with pytest.raises(TransitionRefusedError) as e:
            j.send(c.RecordTesting(j.id, 50, 50), date(2023, 4, 26))
        assert refused_rule(e) == "testing_after_eligibility_no_retake"

    def test_an_expert_may_not_assess_eligibility(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.SUBMITTED)
        with pytest.raises(PermissionDeniedError):
            j.send(c.AssessEligibility(j.id), date(2023, 4, 25), role=Role.EXPERT)


class TestWhenIneligible:
    def test_nothing_more_happens_to_an_ineligible_case(self, service: CaseService) -> None:
        j = Journey(service, b.submission(background=b.background(kaztest=KazTest(10))))
        j.to(Stage.SUBMITTED)
        j.send(c.AssessEligibility(j.id), date(2023, 4, 25))
        for command in (c.AssessEligibility(j.id), c.RecordTesting(j.id, 50, 50), c.Withdraw(j.id)):
            with pytest.raises(TransitionRefusedError):
                j.send(command, date(2023, 4, 26))


class TestWhenEligible:
    def test_comprehensive_testing_is_recorded(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.TESTED)
        assert service.get_case(j.id).testing_scores == (70, 81)

    def test_no_interview_before_testing(self) -> None:
        given(*path_to(Stage.ELIGIBLE)).when(
            c.BookInterview(CASE, b.slot(SLOT_DAY)), on=date(2023, 5, 1), role=Role.APPLICANT
        ).then_refused("interview_after_testing_time_fixed")

    def test_closing_the_window_annuls_the_testing_round_for_good(self) -> None:
        """000/001: closing the window or a tab annuls the results; no retake."""
        eligible = path_to(Stage.ELIGIBLE)
        annulled = (
            given(*eligible)
            .when(c.AnnulTesting(CASE, TestingAnnulment.WINDOW_CLOSED), on=date(2023, 5, 5))
            .then(event(ev.TestingAnnulled, annulment=TestingAnnulment.WINDOW_CLOSED))
        )
        assert annulled.case.stage is Stage.TESTING_ANNULLED
        given(*eligible, *annulled.events).when(
            c.RecordTesting(CASE, 90, 90), on=date(2023, 5, 6)
        ).then_refused("testing_after_eligibility_no_retake")


class TestWhenTested:
    def test_no_second_testing(self) -> None:
        """000/001: "No retake"."""
        given(*path_to(Stage.TESTED)).when(c.RecordTesting(CASE, 99, 99)).then_refused(
            "testing_after_eligibility_no_retake"
        )

    def test_booking_a_slot_moves_to_interview_booked(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEW_BOOKED)
        assert service.get_case(j.id).interview_slot == b.slot(SLOT_DAY)

    def test_a_slot_before_the_booking_date_is_refused(self) -> None:
        given(*path_to(Stage.TESTED)).when(
            c.BookInterview(CASE, b.slot(date(2023, 5, 1))), on=date(2023, 5, 6)
        ).then_invalid("slotAt", "interview_slot_not_in_past")


class TestWhenInterviewBooked:
    def test_the_time_cannot_be_changed(self) -> None:
        """000/001: the applicant picks a slot; the time cannot be changed."""
        given(*path_to(Stage.INTERVIEW_BOOKED)).when(
            c.BookInterview(CASE, b.slot(date(2023, 5, 25))), on=date(2023, 5, 7)
        ).then_refused("interview_after_testing_time_fixed")

    def test_each_nec_member_fills_one_sheet(self) -> None:
        """002 appendix 6: one evaluation sheet per member."""
        booked = path_to(Stage.INTERVIEW_BOOKED)
        first = given(*booked).when(
            c.EvaluateInterview(CASE, SCORES, True, "ok"), on=SLOT_DAY, actor="nec-01"
        )
        sheet = first.then(event(ev.InterviewEvaluated, sheet_ruleset_id="interview-sheet-2017"))
        given(*booked, *sheet.events).when(
            c.EvaluateInterview(CASE, SCORES, False, "again"), on=SLOT_DAY, actor="nec-01"
        ).then_refused("one_sheet_per_member")

    def test_a_sheet_before_the_interview_day_is_refused(self) -> None:
        given(*path_to(Stage.INTERVIEW_BOOKED)).when(
            c.EvaluateInterview(CASE, SCORES, True, ""), on=date(2023, 5, 19), actor="nec-01"
        ).then_refused("sheet_after_interview")

    def test_a_sheet_scored_outside_2_to_5_is_refused_naming_the_criterion(
        self, service: CaseService
    ) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEW_BOOKED)
        with pytest.raises(InvalidInputError) as e:
            j.send(
                c.EvaluateInterview(j.id, {**SCORES, "situational_tasks": 6}, True, ""),
                SLOT_DAY,
                role=Role.EXPERT,
                actor="nec-01",
            )
        assert [x.field for x in e.value.errors] == ["scores.situational_tasks"]

    def test_only_an_nec_member_fills_a_sheet(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEW_BOOKED)
        with pytest.raises(PermissionDeniedError):
            j.send(c.EvaluateInterview(j.id, SCORES, True, ""), SLOT_DAY)

    def test_no_final_grade_without_a_sheet(self) -> None:
        given(*path_to(Stage.INTERVIEW_BOOKED)).when(
            c.CompleteInterview(CASE, Decimal("4.5")), on=date(2023, 5, 22)
        ).then_refused("final_grade_from_sheets")

    def test_the_final_grade_records_the_sheets_it_was_based_on(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEWED)
        case = service.get_case(j.id)
        assert case.interview_final_score == Decimal("4.67")
        assert case.interview_recommended is True
        event = list(service.events.get(j.id))[-1]
        assert event.decision_basis.facts["sheets"] == str(len(EXPERTS))  # type: ignore[attr-defined]

    def test_a_violation_annuls_the_interview(self) -> None:
        """000/001: a violation annuls the result; no retake."""
        annulled = (
            given(*path_to(Stage.INTERVIEW_BOOKED))
            .when(c.AnnulInterview(CASE), on=SLOT_DAY)
            .then(event(ev.InterviewAnnulled))
        )
        assert annulled.case.stage is Stage.INTERVIEW_ANNULLED


class TestWhenInterviewed:
    def test_no_second_interview(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEWED)
        with pytest.raises(TransitionRefusedError):
            j.send(
                c.BookInterview(j.id, b.slot(date(2023, 6, 1))),
                date(2023, 5, 23),
                role=Role.APPLICANT,
            )

    def test_the_republican_commission_awards(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.AWARDED)
        case = service.get_case(j.id)
        assert case.stage.status is CaseStatus.SCHOLAR
        assert case.awarded_on == PROTOCOL_DATE

    def test_the_republican_commission_refuses(self) -> None:
        refused = (
            given(*path_to(Stage.INTERVIEWED))
            .when(c.Refuse(CASE, "RK-2023/7", PROTOCOL_DATE), on=date(2023, 6, 12))
            .then(event(ev.Refused, protocol_number="RK-2023/7", protocol_date=PROTOCOL_DATE))
        )
        assert refused.case.stage is Stage.REFUSED

    def test_only_the_commission_decides(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEWED)
        with pytest.raises(PermissionDeniedError):
            j.send(c.Award(j.id, "RK-2023/7", PROTOCOL_DATE), date(2023, 6, 12))

    def test_no_award_dated_before_the_interview_result(self) -> None:
        given(*path_to(Stage.INTERVIEWED)).when(
            c.Award(CASE, "RK-2023/7", date(2023, 5, 1)), on=date(2023, 6, 12)
        ).then_invalid("protocolDate", "decision_after_interview")

    def test_no_award_before_submission_by_business_date(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEWED)
        with pytest.raises(InvalidInputError) as e:
            j.send(
                c.Award(j.id, "RK-2023/7", date(2023, 4, 1)), date(2023, 4, 2), role=Role.COMMISSION
            )
        assert e.value.errors[0].rule == "business_date_not_before_previous_event"

    def test_no_award_before_the_interview(self) -> None:
        given(*path_to(Stage.TESTED)).when(
            c.Award(CASE, "RK-2023/7", date(2023, 5, 6)), on=date(2023, 5, 6)
        ).then_refused("commission_decides_after_interview")


class TestWithdrawal:
    def test_nothing_happens_after_withdrawal(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.TESTED)
        j.withdraw(date(2023, 5, 6))
        assert service.get_case(j.id).stage is Stage.WITHDRAWN
        with pytest.raises(TransitionRefusedError):
            j.send(c.BookInterview(j.id, b.slot(SLOT_DAY)), date(2023, 5, 7), role=Role.APPLICANT)
