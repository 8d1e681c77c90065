"""What a command decides before its transition: the rules of the regulations evaluated
on the case, passed to the aggregate as decided facts (``domain/registry.py`` names the
one each command uses).

Each function takes the command, the case, the event metadata and the rulesets its spec
stamps (where they are fixed), and calls the aggregate's transition; pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from uuid import UUID

from domain import commands as c
from domain.case import events as ev
from domain.case.application import Application
from domain.case.meta import EventMeta
from domain.errors import InvalidInputError
from domain.rules import catalog, interview_sheet, revocation
from domain.rules.contract_deadline import contract_deadline, required_security
from domain.rules.document_checklist import ChecklistOutcome, check_case_documents
from domain.rules.eligibility import EligibilityOutcome, assess_case
from domain.rules.intake_windows import OutsideIntakeWindowError, window_for
from domain.rules.language_courses import NoCourseRowError, course_plan
from domain.rules.language_thresholds import LanguageRoute
from domain.rules.work_off import work_off_term
from domain.submission import Document

Rulesets = tuple[str, ...]

# -- the submission: a new case ----------------------------------------------------------


def submit(
    cmd: c.SubmitApplication,
    application_id: UUID,
    new_code: Callable[[], str],
    meta: EventMeta,
) -> Application:
    """A new case in the intake window of its business date, with a fresh applicant code."""
    try:
        window = window_for(meta.occurred_on)
    except OutsideIntakeWindowError as e:
        raise InvalidInputError.single(
            "occurredOn", "submission_within_intake_window", str(e)
        ) from None
    intake = (window.ruleset_id, window.campaign_year, window.number)
    code = new_code()
    return Application.submit(
        application_id, meta, cmd.applicant, code, cmd.plan, cmd.background, intake
    )


# -- selection -------------------------------------------------------------------------------


def assess_eligibility(
    cmd: c.AssessEligibility, case: Application, meta: EventMeta, _: Rulesets
) -> None:
    outcome = _eligibility(case, cmd.gpa_equivalent)
    case.assess_eligibility(meta, outcome, cmd.gpa_equivalent, _documents(case))


def reassess_eligibility(
    cmd: c.ReassessEligibility, case: Application, meta: EventMeta, _: Rulesets
) -> None:
    outcome = _eligibility(case, cmd.gpa_equivalent)
    case.reassess_eligibility(meta, outcome, cmd.gpa_equivalent, _documents(case))


def present_documents(
    cmd: c.PresentDocuments, case: Application, meta: EventMeta, _: Rulesets
) -> None:
    check = _documents(case, cmd.documents)
    case.present_documents(meta, cmd.documents, check)


def decide_review(cmd: c.DecideReview, case: Application, meta: EventMeta, _: Rulesets) -> None:
    given = (cmd.months_in_kazakhstan, cmd.months_abroad)
    months = None if given == (None, None) else (given[0] or 0, given[1] or 0)
    case.decide_review(meta, cmd.decision, months)


def record_testing(cmd: c.RecordTesting, case: Application, meta: EventMeta, _: Rulesets) -> None:
    case.record_testing(meta, cmd.verbal_score, cmd.numerical_score)


def annul_testing(cmd: c.AnnulTesting, case: Application, meta: EventMeta, _: Rulesets) -> None:
    case.annul_testing(meta, cmd.annulment)


def book_interview(cmd: c.BookInterview, case: Application, meta: EventMeta, _: Rulesets) -> None:
    case.book_interview(meta, cmd.slot_at)


def evaluate_interview(
    cmd: c.EvaluateInterview, case: Application, meta: EventMeta, rulesets: Rulesets
) -> None:
    """The sheet is the sending NEC member's own (the actor of the command)."""
    sheet = ev.InterviewSheet(
        expert_id=meta.actor_id,
        scores=dict(cmd.scores),
        average=interview_sheet.sheet_average(cmd.scores),
        recommend=cmd.recommend,
        comment=cmd.comment,
    )
    (sheet_ruleset,) = rulesets
    case.evaluate_interview(meta, sheet, sheet_ruleset)


def complete_interview(
    cmd: c.CompleteInterview, case: Application, meta: EventMeta, rulesets: Rulesets
) -> None:
    sheets = list(case.interview_sheets.values())
    facts = {f"sheet.{s.expert_id}.average": str(s.average) for s in sheets}
    facts["sheets"] = str(len(sheets))
    facts["recommendations"] = str(sum(s.recommend for s in sheets))
    recommended = interview_sheet.interview_recommended([s.recommend for s in sheets])
    case.complete_interview(meta, cmd.final_score, recommended, ev.Basis(rulesets, facts))


def award(
    cmd: c.Award | c.AwardBeyondPlaces, case: Application, meta: EventMeta, rulesets: Rulesets
) -> None:
    """The award; its place is reserved on the campaign's quota ledger in the same decision
    (``domain/quota/steps.py``)."""
    deadline = contract_deadline(cmd.protocol_date)
    basis = ev.Basis(rulesets, _interview_facts(case))
    case.award(meta, (cmd.protocol_number, cmd.protocol_date), deadline, basis)


def award_beyond_places(
    cmd: c.AwardBeyondPlaces, case: Application, meta: EventMeta, rulesets: Rulesets
) -> None:
    """An award beyond the places: only with the commission's reason, kept with the
    override on the ledger."""
    if not meta.reason.strip():
        raise InvalidInputError.single(
            "reason", "required", "an award beyond the campaign's places must say why"
        )
    award(cmd, case, meta, rulesets)


def refuse(cmd: c.Refuse, case: Application, meta: EventMeta, rulesets: Rulesets) -> None:
    basis = ev.Basis(rulesets, _interview_facts(case))
    case.refuse(meta, (cmd.protocol_number, cmd.protocol_date), basis)


# -- after the award -------------------------------------------------------------------------


def sign_contracts(
    cmd: c.SignContracts, case: Application, meta: EventMeta, rulesets: Rulesets
) -> None:
    security = required_security(case.plan.programme, case.plan.category)
    facts = {
        "contract_deadline": str(case.contract_deadline),
        "security": security.describe(),
    }
    numbers = (cmd.training_contract_number, cmd.security_contract_number)
    case.sign_contracts(meta, numbers, security, ev.Basis(rulesets, facts))


def revoke(cmd: c.Revoke, case: Application, meta: EventMeta, _: Rulesets) -> None:
    facts = {"stage": case.stage.value, "contract_deadline": str(case.contract_deadline)}
    rulesets = revocation.rulesets_for(cmd.revocation.value)
    case.revoke(meta, cmd.revocation, ev.Basis(rulesets, facts))


def language_course(
    cmd: c.AssignLanguageCourse | c.ReassignLanguageCourse,
    case: Application,
    meta: EventMeta,
    _: Rulesets,
) -> None:
    """The course plan under the course tables of the case's campaign (its submission date,
    as eligibility): a plan, or a referral to an officer where no table decides."""
    route = LanguageRoute(case.route.value) if case.route is not None else None
    try:
        rulesets = catalog.in_force("language_courses", case.submitted_on)
        plan = course_plan(
            rulesets,
            case.plan.profile(),
            case.background.certificates,
            cmd.invitation_months,
            route,
        )
    except NoCourseRowError as e:
        case.refer_course(meta, str(e), e.ruleset_ids)
        return
    except catalog.NoRulesetInForceError as e:
        case.refer_course(meta, str(e), ())
        return
    facts = {"certificate": plan.certificate, "source": plan.source}
    basis = ev.Basis((plan.ruleset_id,), facts)
    months = (plan.months_in_kazakhstan, plan.months_abroad)
    case.assign_language_course(meta, months, plan.pre_sessional, basis)


def reassign_language_course(
    cmd: c.ReassignLanguageCourse, case: Application, meta: EventMeta, rulesets: Rulesets
) -> None:
    """The course decided again under the tables in force now, with the officer's reason."""
    case.check_course_reassignment(meta)
    language_course(cmd, case, meta, rulesets)


def record_control_test(
    cmd: c.RecordControlTest, case: Application, meta: EventMeta, rulesets: Rulesets
) -> None:
    facts = {"purpose": cmd.purpose.value, "passed": str(cmd.passed), "result": cmd.result}
    basis = ev.Basis(rulesets, facts)
    case.record_control_test(meta, cmd.purpose, cmd.passed, cmd.result, basis)


def start_work_off(cmd: c.StartWorkOff, case: Application, meta: EventMeta, _: Rulesets) -> None:
    assert case.awarded_on is not None
    term = work_off_term(case.plan.programme, case.plan.category, cmd.location, case.awarded_on)
    facts = {
        "location": cmd.location,
        "years": str(term.years),
        "city_of_republican_significance": str(term.in_city_of_republican_significance),
    }
    ends_on = term.ends_on(meta.occurred_on)
    case.start_work_off(
        meta, cmd.employer, cmd.location, (term.years, ends_on), ev.Basis((term.ruleset_id,), facts)
    )


# -- helpers ---------------------------------------------------------------------------------


def _eligibility(case: Application, gpa_equivalent: Decimal | None) -> EligibilityOutcome:
    return assess_case(case.plan, case.background, case.submitted_on, gpa_equivalent)


def _documents(case: Application, presenting: tuple[Document, ...] = ()) -> ChecklistOutcome:
    presented = (*case.documents_presented, *presenting)
    return check_case_documents(case.plan, case.background, case.submitted_on, presented)


def _interview_facts(case: Application) -> dict[str, str]:
    return {
        "interview.final_score": str(case.interview_final_score),
        "interview.recommended": str(case.interview_recommended),
        "interview.sheets": str(len(case.interview_sheets)),
    }
