"""The ``Application`` aggregate: one scholarship application, one case, its whole life.

Each command method checks the process allows it (a named guard, refusing with a
``TransitionRefusedError``) and then records one event. Nothing is recorded when a guard
refuses. The rules of the regulations are evaluated by the service and passed in as
decided facts, so this class only knows the order of the process.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, CanInitAggregate, CanMutateAggregate
from eventsourcing.utils import get_topic

from domain.case import chain, personal
from domain.case import events as ev
from domain.case.meta import EventMeta
from domain.case.process import STEPS
from domain.case.stage import Stage
from domain.errors import InvalidInputError, TransitionRefusedError
from domain.rules.contract_deadline import SecurityRequirement
from domain.rules.document_checklist import ChecklistOutcome
from domain.rules.eligibility import EligibilityOutcome, RuleFailure
from domain.submission import ApplicantIdentity, Background, Document, StudyPlan

ERASED_ONCE = "personal_data_erased_once"
AFTER_ELIGIBILITY = (Stage.ELIGIBLE, Stage.TESTED, Stage.INTERVIEW_BOOKED, Stage.INTERVIEWED)
REVIEW_DECISIONS = {
    ev.REVIEW_ELIGIBILITY: (ev.ReviewDecision.ELIGIBLE, ev.ReviewDecision.INELIGIBLE),
    ev.REVIEW_COURSE: (ev.ReviewDecision.ASSIGN_COURSE, ev.ReviewDecision.NO_COURSE),
    ev.REVIEW_CONTROL_TEST: (ev.ReviewDecision.CONTINUE,),
}
REVIEW_STAGES = {
    ev.REVIEW_ELIGIBILITY: Stage.ELIGIBILITY_REVIEW,
    ev.REVIEW_COURSE: Stage.SCHOLAR_REVIEW,
    ev.REVIEW_CONTROL_TEST: Stage.SCHOLAR_REVIEW,
}


class Application(Aggregate):
    """A scholarship application (заявка / өтініш) as an event-sourced aggregate."""

    stage: Stage
    applicant: ApplicantIdentity | None  # None once erased
    applicant_code: str
    plan: StudyPlan
    background: Background
    campaign_year: int
    intake_window: int
    submitted_on: date

    def __init__(self) -> None:
        self.chain_head: str = chain.GENESIS  # the last event's chain hash
        self.last_occurred_on: date = date.min
        self.commands: dict[str, tuple[str, int, str]] = {}
        self.route: ev.CourseRoute | None = None
        self.eligible: bool | None = None
        self.documents_presented: tuple[Document, ...] = ()
        self.missing_documents: tuple[Document, ...] | None = None  # None: not checked yet
        self.review: ev.Referral | None = None
        self.control_tests: tuple[tuple[ev.ControlTestPurpose, bool], ...] = ()
        self.winners_list_published_on: date | None = None
        self.testing_scores: tuple[int, int] | None = None
        self.interview_slot: datetime | None = None
        self.interview_sheets: dict[str, ev.InterviewSheet] = {}
        self.interview_final_score: Decimal | None = None
        self.interview_recommended: bool | None = None
        self.awarded_on: date | None = None
        self.contract_deadline: date | None = None
        self.protocol_number: str = ""
        self.contracts_signed_on: date | None = None
        self.revocation: ev.RevocationReason | None = None
        self.course_months: tuple[int, int] | None = None
        self.departed_on: date | None = None
        self.studies_completed_on: date | None = None
        self.returned_on: date | None = None
        self.work_off_location: str = ""
        self.work_off_ends_on: date | None = None
        self.personal_data_erased_on: date | None = None

    def __deepcopy__(self, memo: dict[int, object]) -> Application:
        """A copy for one command: the values are immutable and shared; only the few
        mutable containers are copied (the library deep-copies cached aggregates)."""
        clone = copy.copy(self)
        clone.commands = dict(self.commands)
        clone.interview_sheets = dict(self.interview_sheets)
        clone.__dict__["_pending_events"] = list(self.pending_events)
        return clone

    # -- recording events: every new event is sealed into the case's hash chain -------------

    @classmethod
    def _create(
        cls,
        event_class: type[CanInitAggregate[UUID]],
        *,
        id: UUID | None = None,
        **kwargs: Any,
    ) -> Application:
        make: Any = event_class  # the library's event classes take these keywords
        created = make(
            originator_topic=get_topic(cls),
            originator_id=id,
            originator_version=cls.INITIAL_VERSION,
            timestamp=event_class.create_timestamp(),
            **kwargs,
        )
        chain.seal(created, chain.GENESIS)
        case: Application = created.mutate(None)
        case.pending_events.append(created)
        return case

    def trigger_event(self, event_class: type[CanMutateAggregate[UUID]], **kwargs: Any) -> None:
        make: Any = event_class
        event = make(
            originator_id=self.id,
            originator_version=self.version + 1,
            timestamp=event_class.create_timestamp(),
            **kwargs,
        )
        chain.seal(event, self.chain_head)
        event.mutate(self)
        self.pending_events.append(event)

    @classmethod
    def submit(
        cls,
        application_id: UUID,
        meta: EventMeta,
        applicant: ApplicantIdentity,
        applicant_code: str,
        plan: StudyPlan,
        background: Background,
        intake: tuple[str, int, int],
    ) -> Application:
        ruleset_id, year, window = intake
        return cls._create(
            ev.Submitted,
            id=application_id,
            meta=meta,
            applicant=applicant,
            applicant_salt=personal.new_salt(),
            applicant_code=applicant_code,
            plan=plan,
            background=background,
            campaign_year=year,
            intake_window=window,
            intake_ruleset_id=ruleset_id,
        )

    # -- selection -------------------------------------------------------------------------

    def assess_eligibility(
        self,
        meta: EventMeta,
        outcome: EligibilityOutcome,
        gpa_equivalent: Decimal | None,
        documents: ChecklistOutcome,
    ) -> None:
        """The first eligibility decision, with the package checked; where the rules are
        silent, a referral to an officer instead (never a refusal)."""
        self._require(meta)
        self._check_documents(meta, documents)
        self._decide_eligibility(meta, outcome, gpa_equivalent, Stage.ELIGIBLE)

    def reassess_eligibility(
        self,
        meta: EventMeta,
        outcome: EligibilityOutcome,
        gpa_equivalent: Decimal | None,
        documents: ChecklistOutcome,
    ) -> None:
        """Eligibility decided again under the rules in force now (an explicit, reasoned
        command: a stored decision never changes by itself). An eligible case keeps its
        progress (a tested case stays tested)."""
        self._require(meta)
        self._require_reason(meta, "a new decision on eligibility must say why")
        self._check_documents(meta, documents)
        goes_on = self.stage if self.stage in AFTER_ELIGIBILITY else Stage.ELIGIBLE
        self._decide_eligibility(meta, outcome, gpa_equivalent, goes_on, reassessed=True)

    def present_documents(
        self, meta: EventMeta, documents: tuple[Document, ...], check: ChecklistOutcome
    ) -> None:
        self._require(meta)
        again = [d.value for d in documents if d in self.documents_presented]
        if again:
            raise InvalidInputError.single(
                "documents", "document_presented_once", f"already presented: {', '.join(again)}"
            )
        self.trigger_event(ev.DocumentsPresented, meta=meta, documents=documents)
        self._check_documents(meta, check, always=True)

    def _check_documents(
        self, meta: EventMeta, check: ChecklistOutcome, *, always: bool = False
    ) -> None:
        """Records the package check after a presentation, or when something is missing now
        or was before (a package complete at its first check adds no event)."""
        if not (always or check.missing or self.missing_documents):
            return
        self.trigger_event(
            ev.DocumentsChecked,
            meta=meta,
            checklist_ruleset_id=check.ruleset_id,
            required=check.required,
            missing=check.missing,
        )

    def _decide_eligibility(
        self,
        meta: EventMeta,
        outcome: EligibilityOutcome,
        gpa_equivalent: Decimal | None,
        goes_on: Stage,
        *,
        reassessed: bool = False,
    ) -> None:
        route = None
        if outcome.language is not None and outcome.language.route is not None:
            route = ev.CourseRoute(outcome.language.route.value)
        if not outcome.decided:
            reasons = "; ".join(f"{u.rule}: {u.reason}" for u in outcome.undecided)
            self.refer_to_officer(
                meta,
                ev.REVIEW_ELIGIBILITY,
                f"the rules do not decide this case ({reasons})",
                outcome.rulesets_tried,
                dict(outcome.facts),
                goes_on,
                route,
            )
            return
        rulesets: tuple[str, ...] = (outcome.ruleset_id,)
        if outcome.language is not None:
            rulesets += (outcome.language.ruleset_id,)
        self.trigger_event(
            ev.EligibilityAssessed,
            meta=meta,
            eligible=outcome.eligible,
            failures=outcome.failures,
            rules_checked=outcome.rules_checked,
            route=route,
            gpa_equivalent=gpa_equivalent,
            decision_basis=ev.Basis(rulesets, dict(outcome.facts)),
            reassessed=reassessed,
            resulting_stage=goes_on if outcome.eligible else Stage.INELIGIBLE,
            previously_eligible=self.eligible,
        )

    # -- a person decides where the rules do not ---------------------------------------------

    def refer_to_officer(
        self,
        meta: EventMeta,
        step: str,
        reason: str,
        rulesets_tried: tuple[str, ...],
        facts: dict[str, str],
        returns_to: Stage,
        route: ev.CourseRoute | None = None,
    ) -> None:
        """Sends the case to an officer's review: the step, why, the rulesets tried."""
        self.trigger_event(
            ev.ReferredToOfficer,
            meta=meta,
            step=step,
            reason=reason,
            rulesets_tried=rulesets_tried,
            facts=facts,
            resulting_stage=REVIEW_STAGES[step],
            returns_to=returns_to,
            route=route,
        )

    def decide_review(
        self,
        meta: EventMeta,
        decision: ev.ReviewDecision,
        course_months: tuple[int, int] | None,
    ) -> None:
        """An officer's decision on a referral, with the reason (``meta.reason``): recorded
        as the process's own decision event (eligibility, a language course), its basis the
        rulesets the rules tried and the officer's decision."""
        self._require(meta)
        self._require_reason(meta, "an officer's decision must say why")
        assert self.review is not None  # the review stages are entered by a referral only
        review = self.review
        if decision not in REVIEW_DECISIONS[review.step]:
            allowed = ", ".join(d.name for d in REVIEW_DECISIONS[review.step])
            raise InvalidInputError.single(
                "decision", "decision_fits_review", f"a {review.step} review takes {allowed}"
            )
        needs_months = decision is ev.ReviewDecision.ASSIGN_COURSE
        if needs_months != (course_months is not None):
            raise InvalidInputError.single(
                "monthsInKazakhstan",
                "months_only_with_a_course",
                "months are given with ASSIGN_COURSE, and only with it",
            )
        facts = {"decided_by": "officer", "decision": decision.value}
        basis = ev.Basis(review.rulesets_tried, facts)
        if review.step == ev.REVIEW_ELIGIBILITY:
            eligible = decision is ev.ReviewDecision.ELIGIBLE
            refusal = RuleFailure("officer_decision", meta.reason, "officer")
            failures = () if eligible else (refusal,)
            self.trigger_event(
                ev.EligibilityAssessed,
                meta=meta,
                eligible=eligible,
                failures=failures,
                rules_checked=(),
                route=self.route,
                gpa_equivalent=None,
                decision_basis=basis,
                reassessed=self.eligible is not None,
                resulting_stage=review.returns_to if eligible else Stage.INELIGIBLE,
                previously_eligible=self.eligible,
            )
        elif course_months is not None:
            self._assign_course(meta, course_months, False, basis)
        else:
            goes_on = (
                Stage.CONTRACTED if decision is ev.ReviewDecision.NO_COURSE else review.returns_to
            )
            self.trigger_event(
                ev.ReferralClosed,
                meta=meta,
                step=review.step,
                decision=decision,
                resulting_stage=goes_on,
            )

    def record_testing(self, meta: EventMeta, verbal: int, numerical: int) -> None:
        self._require(meta)
        if self.missing_documents:
            missing = ", ".join(d.value for d in self.missing_documents)
            self._refuse(
                meta,
                "documents_complete_before_testing",
                f"documents of the package not yet presented: {missing}",
            )
        self.trigger_event(
            ev.TestingCompleted,
            meta=meta,
            verbal_score=verbal,
            numerical_score=numerical,
            questionnaire_completed=True,
        )

    def annul_testing(self, meta: EventMeta, annulment: ev.TestingAnnulment) -> None:
        self._require(meta)
        self.trigger_event(ev.TestingAnnulled, meta=meta, annulment=annulment)

    def book_interview(self, meta: EventMeta, slot_at: datetime) -> None:
        self._require(meta)
        if slot_at.date() < meta.occurred_on:
            raise InvalidInputError.single(
                "slotAt", "interview_slot_not_in_past", "the slot is before the booking date"
            )
        self.trigger_event(ev.InterviewSlotBooked, meta=meta, slot_at=slot_at)

    def evaluate_interview(self, meta: EventMeta, sheet: ev.InterviewSheet, ruleset: str) -> None:
        self._require(meta)
        self._check_after_slot(meta)
        if sheet.expert_id in self.interview_sheets:
            self._refuse(meta, "one_sheet_per_member", "this member already filled a sheet")
        self.trigger_event(ev.InterviewEvaluated, meta=meta, sheet=sheet, sheet_ruleset_id=ruleset)

    def complete_interview(
        self, meta: EventMeta, final_score: Decimal, recommended: bool, basis: ev.Basis
    ) -> None:
        self._require(meta)
        if not self.interview_sheets:
            self._refuse(meta, "final_grade_from_sheets", "no NEC member's sheet recorded yet")
        self.trigger_event(
            ev.InterviewCompleted,
            meta=meta,
            final_score=final_score,
            recommended=recommended,
            decision_basis=basis,
        )

    def annul_interview(self, meta: EventMeta) -> None:
        self._record(meta, ev.InterviewAnnulled)

    def award(
        self, meta: EventMeta, protocol: tuple[str, date], deadline: date, basis: ev.Basis
    ) -> None:
        self._require(meta)
        number, protocol_date = protocol
        self._check_protocol_date(meta, protocol_date)
        self.trigger_event(
            ev.Awarded,
            meta=meta,
            protocol_number=number,
            protocol_date=protocol_date,
            contract_deadline=deadline,
            decision_basis=basis,
        )

    def refuse(self, meta: EventMeta, protocol: tuple[str, date], basis: ev.Basis) -> None:
        self._require(meta)
        number, protocol_date = protocol
        self._check_protocol_date(meta, protocol_date)
        self.trigger_event(
            ev.Refused,
            meta=meta,
            protocol_number=number,
            protocol_date=protocol_date,
            decision_basis=basis,
        )

    # -- after the award ---------------------------------------------------------------------

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

    # -- personal data -----------------------------------------------------------------------

    def erase_personal_data(self, meta: EventMeta) -> None:
        """Records the erasure (the service then destroys the case's data key)."""
        self._require(meta)
        if self.personal_data_erased_on is not None:
            self._refuse(
                meta,
                ERASED_ONCE,
                f"the personal data was erased on {self.personal_data_erased_on.isoformat()}",
            )
        self.trigger_event(ev.PersonalDataErased, meta=meta)

    # -- guards ------------------------------------------------------------------------------

    def check_step(self, meta: EventMeta) -> None:
        """Refuses ``meta.command`` unless the process allows it now, in date order."""
        self._require(meta)

    def _require(self, meta: EventMeta) -> None:
        step = STEPS[meta.command]
        if self.stage not in step.allowed:
            expected = ", ".join(sorted(s.value for s in step.allowed))
            self._refuse(meta, step.rule, f"allowed only when the case is {expected}")
        if meta.occurred_on < self.last_occurred_on:
            raise InvalidInputError.single(
                "occurredOn",
                "business_date_not_before_previous_event",
                f"{meta.occurred_on.isoformat()} is before the case's last event"
                f" ({self.last_occurred_on.isoformat()})",
            )

    def _record(self, meta: EventMeta, event_class: type[CanMutateAggregate[UUID]]) -> None:
        """A step that carries nothing but its metadata: allowed now, then recorded."""
        self._require(meta)
        self.trigger_event(event_class, meta=meta)

    def _refuse(self, meta: EventMeta, rule: str, message: str) -> None:
        raise TransitionRefusedError(meta.command, self.stage.value, rule, message)

    def _require_reason(self, meta: EventMeta, why: str) -> None:
        if not meta.reason.strip():
            raise InvalidInputError.single("reason", "required", why)

    def _check_after_slot(self, meta: EventMeta) -> None:
        assert self.interview_slot is not None
        if meta.occurred_on < self.interview_slot.date():
            self._refuse(meta, "sheet_after_interview", "the interview has not taken place yet")

    def _check_protocol_date(self, meta: EventMeta, protocol_date: date) -> None:
        if protocol_date > meta.occurred_on:
            raise InvalidInputError.single(
                "protocolDate",
                "protocol_not_after_recording",
                "the protocol is dated after the day it is recorded (occurredOn)",
            )
        if protocol_date < self.last_occurred_on:
            raise InvalidInputError.single(
                "protocolDate",
                "decision_after_interview",
                "the Republican Commission's protocol is dated before the interview result",
            )

    def _check_deadline_missed(self, meta: EventMeta) -> None:
        if self.stage is not Stage.AWARDED or self.contract_deadline is None:
            self._refuse(meta, "deadline_revocation_only_unsigned", "contracts were signed")
        assert self.contract_deadline is not None
        if meta.occurred_on <= self.contract_deadline:
            self._refuse(
                meta,
                "contracts_within_90_days",
                f"the deadline {self.contract_deadline.isoformat()} has not passed",
            )
