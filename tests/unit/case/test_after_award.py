"""After the award: contracts within 90 days (000 step 5; 001 "ШАГ 5"), language courses,
departure, study, return and work-off (001 "ШАГ 6"). Grouped by the stage the case is in."""

from __future__ import annotations

from datetime import date

import pytest

from domain import commands as c
from domain.case import events as ev
from domain.case.events import RevocationReason
from domain.case.meta import Role
from domain.case.stage import CaseStatus, Stage
from domain.errors import TransitionRefusedError
from domain.programme import Category, Programme
from domain.rules.contract_deadline import SecurityKind
from infra.case_store import CaseService
from tests.support import builders as b
from tests.support.decider import CASE, event, given, path_to
from tests.support.journey import DAY_90, DAY_91, PATH, Journey


class TestWhenAwarded:
    def test_the_contract_deadline_is_90_calendar_days_from_the_award(
        self, service: CaseService
    ) -> None:
        j = Journey(service)
        j.to(Stage.AWARDED)
        assert service.get_case(j.id).contract_deadline == DAY_90

    def test_contracts_signed_on_day_90_are_on_time(self) -> None:
        signed = (
            given(*path_to(Stage.AWARDED))
            .when(c.SignContracts(CASE, "TC-9", "SC-9"), on=DAY_90)
            .then(event(ev.ContractsSigned, training_contract_number="TC-9"))
        )
        assert signed.case.stage is Stage.CONTRACTED

    def test_contracts_on_day_91_are_refused(self) -> None:
        given(*path_to(Stage.AWARDED)).when(
            c.SignContracts(CASE, "TC-9", "SC-9"), on=DAY_91
        ).then_refused("contracts_within_90_days")

    def test_the_status_is_revoked_on_day_91_for_a_missed_deadline(self) -> None:
        """000 lines 43-45: contracts not signed in time, the status is lost."""
        missed = RevocationReason.CONTRACT_DEADLINE_MISSED
        revoked = (
            given(*path_to(Stage.AWARDED))
            .when(c.Revoke(CASE, missed), on=DAY_91, role=Role.SYSTEM, actor="deadline-job")
            .then(event(ev.StatusRevoked, revocation=missed))
        )
        stage = revoked.case.stage
        assert (stage, stage.status) == (Stage.REVOKED, CaseStatus.CLOSED)

    def test_no_revocation_for_the_deadline_on_day_90(self) -> None:
        given(*path_to(Stage.AWARDED)).when(
            c.Revoke(CASE, RevocationReason.CONTRACT_DEADLINE_MISSED), on=DAY_90
        ).then_refused("contracts_within_90_days")

    def test_academic_study_is_secured_by_a_pledge(self, service: CaseService) -> None:
        j = Journey(service, b.submission(plan=b.plan(Programme.MASTERS, Category.GENERAL)))
        j.to(Stage.CONTRACTED)
        event = list(service.events.get(j.id))[-1]
        assert event.security_kind is SecurityKind.REAL_ESTATE_PLEDGE  # type: ignore[attr-defined]

    def test_rural_masters_is_secured_by_five_guarantors(self, service: CaseService) -> None:
        j = Journey(service)  # the default plan is a rural master's
        j.to(Stage.CONTRACTED)
        event = list(service.events.get(j.id))[-1]
        assert (event.security_kind, event.guarantors) == (  # type: ignore[attr-defined]
            SecurityKind.GUARANTEE,
            5,
        )

    def test_the_scholar_may_still_withdraw_before_contracts(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.AWARDED)
        j.send(c.Withdraw(j.id), date(2023, 6, 20), role=Role.APPLICANT)
        assert service.get_case(j.id).stage is Stage.WITHDRAWN


class TestWhenContracted:
    def test_no_contract_twice(self) -> None:
        given(*path_to(Stage.CONTRACTED)).when(
            c.SignContracts(CASE, "TC-2", "SC-2"), on=date(2023, 7, 16)
        ).then_refused("contracts_after_award")

    def test_no_withdrawal_after_contracts(self) -> None:
        given(*path_to(Stage.CONTRACTED)).when(
            c.Withdraw(CASE), on=date(2023, 7, 16), role=Role.APPLICANT
        ).then_refused("withdraw_before_contracts")

    def test_no_deadline_revocation_once_contracts_are_signed(self) -> None:
        given(*path_to(Stage.CONTRACTED)).when(
            c.Revoke(CASE, RevocationReason.CONTRACT_DEADLINE_MISSED), on=DAY_91
        ).then_refused("deadline_revocation_only_unsigned")

    def test_a_language_course_is_assigned_from_the_duration_table(
        self, service: CaseService
    ) -> None:
        """002 appendix 7 / 004: IELTS 5.5 for English: courses in Kazakhstan and abroad."""
        weak = b.background(certificates=(b.ielts("5.5"),))
        j = Journey(service, b.submission(background=weak))
        j.to(Stage.CONTRACTED)
        j.send(c.AssignLanguageCourse(j.id), date(2023, 7, 20))
        case = service.get_case(j.id)
        assert case.stage is Stage.LANGUAGE_COURSE
        assert case.course_months is not None
        assert sum(case.course_months) > 0

    def test_no_course_when_the_certificate_needs_none(self) -> None:
        strong = b.submission(background=b.background(certificates=(b.ielts("8.0"),)))
        given(*path_to(Stage.CONTRACTED, strong)).when(
            c.AssignLanguageCourse(CASE), on=date(2023, 7, 20)
        ).then_refused("course_only_when_needed")

    def test_no_contract_after_revocation(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.AWARDED)
        j.revoke_for_the_missed_deadline(DAY_91)
        with pytest.raises(TransitionRefusedError) as e:
            j.send(c.SignContracts(j.id, "TC-9", "SC-9"), DAY_91)
        assert e.value.rule == "contracts_after_award"

    def test_no_contract_before_award(self) -> None:
        given(*path_to(Stage.INTERVIEWED)).when(
            c.SignContracts(CASE, "TC-9", "SC-9"), on=date(2023, 5, 30)
        ).then_refused("contracts_after_award")


class TestAbroadAndBack:
    def test_no_return_before_studies_are_completed(self) -> None:
        given(*path_to(Stage.STUDYING)).when(
            c.RecordReturn(CASE), on=date(2024, 7, 1)
        ).then_refused("return_after_completion")

    def test_a_violation_while_studying_revokes_the_status(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.STUDYING)
        j.send(c.Revoke(j.id, RevocationReason.VIOLATION), date(2024, 1, 10))
        assert service.get_case(j.id).stage is Stage.REVOKED

    def test_work_off_in_astana_runs_five_years(self, service: CaseService) -> None:
        """001 line 114: 5 years in Astana, Almaty, Shymkent (general master's)."""
        j = Journey(service, b.submission(plan=b.plan(Programme.MASTERS, Category.GENERAL)))
        j.to(Stage.WORKING_OFF)
        case = service.get_case(j.id)
        assert case.work_off_ends_on == date(2029, 9, 1)

    def test_work_off_cannot_be_completed_before_its_term(self, service: CaseService) -> None:
        j = Journey(service, b.submission(plan=b.plan(Programme.MASTERS, Category.GENERAL)))
        j.to(Stage.WORKING_OFF)
        with pytest.raises(TransitionRefusedError) as e:
            j.send(c.CompleteWorkOff(j.id), date(2029, 8, 31))
        assert e.value.rule == "work_off_term_served"

    def test_a_whole_case_runs_from_submission_to_work_off_completed(
        self, service: CaseService
    ) -> None:
        j = Journey(service, b.submission(plan=b.plan(Programme.MASTERS, Category.GENERAL)))
        j.to(Stage.WORK_OFF_COMPLETED)
        case = service.get_case(j.id)
        assert (case.stage, case.stage.status) == (Stage.WORK_OFF_COMPLETED, CaseStatus.CLOSED)
        assert case.version == len(PATH) + 3  # three NEC sheets besides the path's steps
