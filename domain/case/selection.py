"""The selection steps of a case: eligibility and the package's documents, testing, the
interview by the independent expert commission, the Republican Commission's decision."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.case import events as ev
from domain.case.meta import EventMeta
from domain.case.stage import Stage
from domain.case.state import CaseState
from domain.errors import InvalidInputError
from domain.rules.document_checklist import ChecklistOutcome
from domain.rules.eligibility import EligibilityOutcome
from domain.submission import Document

AFTER_ELIGIBILITY = (Stage.ELIGIBLE, Stage.TESTED, Stage.INTERVIEW_BOOKED, Stage.INTERVIEWED)


class Selection(CaseState):
    """From the submitted package to the commission's award or refusal."""

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
        protocol_fields = self._commission_protocol(meta, protocol)
        self.trigger_event(
            ev.Awarded,
            meta=meta,
            **protocol_fields,
            contract_deadline=deadline,
            decision_basis=basis,
        )

    def refuse(self, meta: EventMeta, protocol: tuple[str, date], basis: ev.Basis) -> None:
        protocol_fields = self._commission_protocol(meta, protocol)
        self.trigger_event(ev.Refused, meta=meta, **protocol_fields, decision_basis=basis)

    def _commission_protocol(self, meta: EventMeta, protocol: tuple[str, date]) -> dict[str, Any]:
        """The Republican Commission's decision is allowed now and its protocol (number,
        date) is dated between the interview result and the day it is recorded: the
        protocol's fields of the decision's event."""
        self._require(meta)
        number, protocol_date = protocol
        self._check_protocol_date(meta, protocol_date)
        return {"protocol_number": number, "protocol_date": protocol_date}
