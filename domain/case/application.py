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
from domain.rules.eligibility import EligibilityOutcome
from domain.submission import ApplicantIdentity, Background, StudyPlan

ERASED_ONCE = "personal_data_erased_once"


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
        self, meta: EventMeta, outcome: EligibilityOutcome, gpa_equivalent: Decimal | None
    ) -> None:
        self._require(meta)
        route = None
        if outcome.language is not None and outcome.language.route is not None:
            route = ev.CourseRoute(outcome.language.route.value)
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
        )

    def record_testing(self, meta: EventMeta, verbal: int, numerical: int) -> None:
        self._require(meta)
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
        self._require(meta)
        self.trigger_event(ev.InterviewAnnulled, meta=meta)

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
        self._require(meta)
        self.trigger_event(ev.Withdrawn, meta=meta)

    def assign_language_course(
        self, meta: EventMeta, months: tuple[int, int], pre_sessional: bool, basis: ev.Basis
    ) -> None:
        self._require(meta)
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
        self._require(meta)
        self.trigger_event(ev.Departed, meta=meta)

    def record_studies_completed(self, meta: EventMeta) -> None:
        self._require(meta)
        self.trigger_event(ev.StudiesCompleted, meta=meta)

    def record_return(self, meta: EventMeta) -> None:
        self._require(meta)
        self.trigger_event(ev.Returned, meta=meta)

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

    def _refuse(self, meta: EventMeta, rule: str, message: str) -> None:
        raise TransitionRefusedError(meta.command, self.stage.value, rule, message)

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
