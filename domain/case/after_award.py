"""The steps of a scholar after the award: contracts within 90 days, revocation and
withdrawal, language courses and their control tests, the winners list, departure, studies,
return and the work-off term."""

from __future__ import annotations

from datetime import date

from domain.case import events as ev
from domain.case.meta import EventMeta
from domain.case.stage import Stage
from domain.case.state import CaseState
from domain.rules.contract_deadline import SecurityRequirement


class AfterAward(CaseState):
    """From the award to the work-off term served."""

    def sign_contracts(
        self,
        meta: EventMeta,
        contract_numbers: tuple[str, str],
        security: SecurityRequirement,
        basis: ev.Basis,
    ) -> None:
        self._require(meta)
        assert self.contract_deadline is not None
        if meta.occurred_on > self.contract_deadline:
            self._refuse(
                meta,
                "contracts_within_90_days",
                f"the 90-day deadline passed on {self.contract_deadline.isoformat()}",
            )
        training, security_number = contract_numbers
        self.trigger_event(
            ev.ContractsSigned,
            meta=meta,
            training_contract_number=training,
            security_kind=security.kind,
            security_contract_number=security_number,
            guarantors=security.guarantors,
            decision_basis=basis,
        )

    def revoke(self, meta: EventMeta, reason: ev.RevocationReason, basis: ev.Basis) -> None:
        self._require(meta)
        if reason is ev.RevocationReason.CONTRACT_DEADLINE_MISSED:
            self._check_deadline_missed(meta)
        self.trigger_event(ev.StatusRevoked, meta=meta, revocation=reason, decision_basis=basis)

    def withdraw(self, meta: EventMeta) -> None:
        self._record(meta, ev.Withdrawn)

    def assign_language_course(
        self, meta: EventMeta, months: tuple[int, int], pre_sessional: bool, basis: ev.Basis
    ) -> None:
        self._require(meta)
        self._assign_course(meta, months, pre_sessional, basis)

    def check_course_reassignment(self, meta: EventMeta) -> None:
        """Deciding the course again is allowed now and says why (before the tables are
        read again: the new decision may as well be a referral)."""
        self._require(meta)
        self._require_reason(meta, "a new decision on the course must say why")

    def refer_course(self, meta: EventMeta, reason: str, rulesets_tried: tuple[str, ...]) -> None:
        """No course table decides the case: an officer does (course stays as it was)."""
        self._require(meta)
        self.refer_to_officer(
            meta, ev.REVIEW_COURSE, reason, rulesets_tried, {}, Stage.LANGUAGE_COURSE
        )

    def record_control_test(
        self,
        meta: EventMeta,
        purpose: ev.ControlTestPurpose,
        passed: bool,
        result: str,
        basis: ev.Basis,
    ) -> None:
        """A control test after language courses, «контрольного теста» (002 line 868) and
        «контрольный тест» (002 line 1915). Failing the test after the full course has no
        consequence in the seeds: an officer decides."""
        self._require(meta)
        months = self.course_months
        if months is None:
            self._refuse(meta, "control_test_only_after_course", "no language course was assigned")
        in_kazakhstan = months[0] if months is not None else 0
        if purpose is ev.ControlTestPurpose.ABROAD_AFTER_KAZAKHSTAN and (
            self.stage is not Stage.LANGUAGE_COURSE or in_kazakhstan == 0
        ):
            self._refuse(
                meta,
                "b2_test_during_courses_in_kazakhstan",
                "the B2 test is taken on courses in Kazakhstan (002 line 868)",
            )
        self.trigger_event(
            ev.ControlTestTaken,
            meta=meta,
            purpose=purpose,
            passed=passed,
            result=result,
            decision_basis=basis,
        )
        if purpose is ev.ControlTestPurpose.ADMISSION_AFTER_COURSE and not passed:
            self.refer_to_officer(
                meta,
                ev.REVIEW_CONTROL_TEST,
                "the control test after the full course was failed; the seeds state no"
                " consequence (002 line 1915, 004 line 303)",
                basis.rulesets,
                dict(basis.facts),
                self.stage,
            )

    def record_winners_list_published(self, meta: EventMeta) -> None:
        self._require(meta)
        if self.winners_list_published_on is not None:
            self._refuse(
                meta,
                "list_published_once",
                f"published on {self.winners_list_published_on.isoformat()}",
            )
        self.trigger_event(ev.WinnersListPublished, meta=meta)

    def _assign_course(
        self, meta: EventMeta, months: tuple[int, int], pre_sessional: bool, basis: ev.Basis
    ) -> None:
        if months == (0, 0):
            self._refuse(meta, "course_only_when_needed", "the certificate needs no course")
        in_kazakhstan, abroad = months
        self.trigger_event(
            ev.LanguageCourseAssigned,
            meta=meta,
            months_in_kazakhstan=in_kazakhstan,
            months_abroad=abroad,
            pre_sessional=pre_sessional,
            decision_basis=basis,
        )

    def record_departure(self, meta: EventMeta) -> None:
        self._record(meta, ev.Departed)

    def record_studies_completed(self, meta: EventMeta) -> None:
        self._record(meta, ev.StudiesCompleted)

    def record_return(self, meta: EventMeta) -> None:
        self._record(meta, ev.Returned)

    def start_work_off(
        self, meta: EventMeta, employer: str, location: str, term: tuple[int, date], basis: ev.Basis
    ) -> None:
        self._require(meta)
        years, ends_on = term
        self.trigger_event(
            ev.WorkOffStarted,
            meta=meta,
            employer=employer,
            location=location,
            years=years,
            ends_on=ends_on,
            decision_basis=basis,
        )

    def complete_work_off(self, meta: EventMeta) -> None:
        self._require(meta)
        assert self.work_off_ends_on is not None
        if meta.occurred_on < self.work_off_ends_on:
            self._refuse(
                meta,
                "work_off_term_served",
                f"the term runs until {self.work_off_ends_on.isoformat()}",
            )
        self.trigger_event(ev.WorkOffCompleted, meta=meta)
