"""The state of a case and how every step is recorded: the fields its events set, the
event recording that seals each new event into the case's hash chain, the referral to an
officer, and the guards every step passes (the process allows it now, in date order).

The steps themselves are the aggregate's (``domain/case/application.py``), in two parts:
the selection (``selection.py``) and the life after the award (``after_award.py``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Self
from uuid import UUID

from eventsourcing.domain import CanMutateAggregate

from domain.case import chain
from domain.case import events as ev
from domain.case.meta import EventMeta
from domain.case.process import STEPS
from domain.case.stage import Stage
from domain.errors import InvalidInputError, TransitionRefusedError
from domain.sealed import SealedAggregate
from domain.submission import ApplicantIdentity, Background, Document, StudyPlan

REVIEW_STAGES = {
    ev.REVIEW_ELIGIBILITY: Stage.ELIGIBILITY_REVIEW,
    ev.REVIEW_COURSE: Stage.SCHOLAR_REVIEW,
    ev.REVIEW_CONTROL_TEST: Stage.SCHOLAR_REVIEW,
}


class CaseState(SealedAggregate):
    """What a case knows of itself, folded from its events (each event's ``evolve``)."""

    if TYPE_CHECKING:  # set by the Submitted event: declared for the type checker only, so
        # that the library does not make the steps' classes dataclasses needing them
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

    def __deepcopy__(self, memo: dict[int, object]) -> Self:
        """A copy for one command: the values are immutable and shared; only the few
        mutable containers are copied (the library deep-copies cached aggregates)."""
        clone = self._shallow_copy()
        clone.commands = dict(self.commands)
        clone.interview_sheets = dict(self.interview_sheets)
        clone.__dict__["_pending_events"] = list(self.pending_events)
        return clone

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
