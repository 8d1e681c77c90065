"""The ``Application`` aggregate: one scholarship application, one case, its whole life.

Each command method checks the process allows it (a named guard, refusing with a
``TransitionRefusedError``) and then records one event. Nothing is recorded when a guard
refuses. The rules of the regulations are evaluated by the service and passed in as
decided facts, so this class only knows the order of the process.

The class is put together from its parts: the state and the guards (``state.py``), the
selection (``selection.py``), the life after the award (``after_award.py``); here are the
submission, an officer's decision on a referral, and the erasure of personal data.
"""

from __future__ import annotations

from uuid import UUID

from domain.case import events as ev
from domain.case import personal
from domain.case.after_award import AfterAward
from domain.case.meta import EventMeta
from domain.case.selection import Selection
from domain.case.stage import Stage
from domain.errors import InvalidInputError
from domain.rules.eligibility import RuleFailure
from domain.submission import ApplicantIdentity, Background, StudyPlan

ERASED_ONCE = "personal_data_erased_once"
REVIEW_DECISIONS = {
    ev.REVIEW_ELIGIBILITY: (ev.ReviewDecision.ELIGIBLE, ev.ReviewDecision.INELIGIBLE),
    ev.REVIEW_COURSE: (ev.ReviewDecision.ASSIGN_COURSE, ev.ReviewDecision.NO_COURSE),
    ev.REVIEW_CONTROL_TEST: (ev.ReviewDecision.CONTINUE,),
}


class Application(Selection, AfterAward):
    """A scholarship application (заявка / өтініш) as an event-sourced aggregate."""

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
