"""Dashboard: the selection funnel per campaign year and intake window, by programme and
category, with interview scores per criterion (for averages) and awards (against the
annual target, 555 in 2023: 001 line 36); beside it, the work the rules leave to people:
documents presented after the submission, referrals to an officer and the officers'
decisions, control tests after language courses and their failures; and the campaign's
places as its quota ledger counts them (reserved by awards, returned, awarded beyond them).

An eligibility decided again (under corrected rules, or by an officer after a referral)
counts the case once as assessed and moves it between eligible and ineligible."""

from __future__ import annotations

from collections.abc import Iterable

from typing_extensions import override

from domain.case import events as ev
from domain.quota import events as qe
from domain.rules.interview_sheet import criterion_keys
from projections.base import Projection, case_key
from projections.rows import Key, Row, Rows
from projections.schema import Table

FUNNEL = (
    "submitted",
    "assessed",
    "eligible",
    "ineligible",
    "tested",
    "interviewed",
    "awarded",
    "refused",
    "contracted",
    "revoked",
    "withdrawn",
)
WORK = (
    "documents_presented",  # documents presented after the submission
    "referred",  # referrals to an officer (the rules did not decide)
    "decided_by_officer",  # officers' decisions on referrals
    "control_tests",
    "control_tests_failed",
)
SCORES = tuple(f"score_{k}" for k in criterion_keys())
DIMENSIONS = ("campaign_year", "intake_window", "programme", "category")

DASHBOARD = Table(
    "dashboard_counts",
    columns=(
        ("campaign_year", "int"),
        ("intake_window", "int"),
        ("programme", "text"),
        ("category", "text"),
        *((name, "int") for name in FUNNEL),
        *((name, "int") for name in WORK),
        ("interview_sheets", "int"),
        *((name, "int") for name in SCORES),
        ("final_score_sum", "float"),
        ("final_scores", "int"),
    ),
    key=DIMENSIONS,
    additive=True,  # counts and sums
)
DASHBOARD_CASES = Table(
    "dashboard_cases",
    columns=(
        ("application_id", "text"),
        *((d, "int" if d.startswith(("campaign", "intake")) else "text") for d in DIMENSIONS),
    ),
    key=("application_id",),
)
DASHBOARD_PLACES = Table(
    "dashboard_places",
    columns=(
        ("ledger_id", "text"),
        ("campaign_year", "int"),
        ("places", "int"),
        ("reserved", "int"),
        ("returned", "int"),
        ("overrides", "int"),
    ),
    key=("ledger_id",),
)
_PLACE_COUNTS: dict[type[qe.LedgerEvent], str] = {
    qe.PlaceReserved: "reserved",
    qe.PlaceReturned: "returned",
    qe.QuotaOverridden: "overrides",
}
_MILESTONES: dict[type[ev.CaseEvent], str] = {
    ev.TestingCompleted: "tested",
    ev.InterviewCompleted: "interviewed",
    ev.Awarded: "awarded",
    ev.Refused: "refused",
    ev.ContractsSigned: "contracted",
    ev.StatusRevoked: "revoked",
    ev.Withdrawn: "withdrawn",
}


class DashboardProjection(Projection):
    name = "dashboard"
    version = 3  # the campaign's places, from its quota ledger
    tables = (DASHBOARD, DASHBOARD_CASES, DASHBOARD_PLACES)
    handles = (  # the ledger's events beside the cases'
        qe.LedgerOpened,
        *_PLACE_COUNTS,
        ev.Submitted,
        ev.EligibilityAssessed,
        ev.InterviewEvaluated,
        ev.InterviewCompleted,
        ev.DocumentsPresented,
        ev.ReferredToOfficer,
        ev.ReferralClosed,
        ev.LanguageCourseAssigned,
        ev.ControlTestTaken,
        *_MILESTONES,
    )

    @override
    def keys(self, event: ev.CaseEvent) -> Iterable[tuple[Table, Key]]:
        if isinstance(event, qe.LedgerEvent):
            return [(DASHBOARD_PLACES, (case_key(event),))]
        return [(DASHBOARD_CASES, (case_key(event),))]

    @override
    def apply(self, rows: Rows, event: ev.CaseEvent, position: int) -> None:
        if isinstance(event, qe.LedgerEvent):
            _count_places(rows, event)
            return
        case_id = case_key(event)
        if isinstance(event, ev.Submitted):
            case = {
                "application_id": case_id,
                "campaign_year": event.campaign_year,
                "intake_window": event.intake_window,
                "programme": event.plan.programme.value,
                "category": event.plan.category.value,
            }
            rows.put(DASHBOARD_CASES, case)
        else:
            found = rows.get(DASHBOARD_CASES, (case_id,))
            if found is None:
                raise LookupError(f"no submission seen for case {case_id}")
            case = found
        key = tuple(case[d] for d in DIMENSIONS)
        counts = rows.get(DASHBOARD, key) or _empty(case)
        for column, amount in increments(event):
            counts[column] = (counts[column] or 0) + amount
        rows.put(DASHBOARD, counts)


def _count_places(rows: Rows, event: qe.LedgerEvent) -> None:
    """A quota ledger's event: its campaign's places, and one more reserved, returned or
    awarded beyond them."""
    ledger_id = case_key(event)  # type: ignore[arg-type]  # any aggregate's id
    if isinstance(event, qe.LedgerOpened):
        row: Row = {
            "ledger_id": ledger_id,
            "campaign_year": event.campaign_year,
            "places": event.places,
            **dict.fromkeys(_PLACE_COUNTS.values(), 0),
        }
    else:
        found = rows.get(DASHBOARD_PLACES, (ledger_id,))
        if found is None:
            raise LookupError(f"no opening seen for quota ledger {ledger_id}")
        row = found
        column = _PLACE_COUNTS[type(event)]
        row[column] = (row[column] or 0) + 1
    rows.put(DASHBOARD_PLACES, row)


def increments(event: ev.CaseEvent) -> list[tuple[str, int | float]]:
    """What one event adds to its dashboard row."""
    by_officer: list[tuple[str, int | float]] = (
        [("decided_by_officer", 1)] if event.meta.command == "decide_review" else []
    )
    match event:
        case ev.Submitted():
            return [("submitted", 1)]
        case ev.EligibilityAssessed():
            return [*by_officer, *_eligibility(event)]
        case ev.LanguageCourseAssigned() | ev.ReferralClosed():
            return by_officer
        case ev.DocumentsPresented():
            return [("documents_presented", 1)]
        case ev.ReferredToOfficer():
            return [("referred", 1)]
        case ev.ControlTestTaken():
            return [("control_tests", 1), ("control_tests_failed", 0 if event.passed else 1)]
        case ev.InterviewEvaluated():
            scores = event.sheet.scores
            return [("interview_sheets", 1), *((f"score_{k}", scores[k]) for k in scores)]
        case ev.InterviewCompleted():
            return [
                ("interviewed", 1),
                ("final_score_sum", float(event.final_score)),
                ("final_scores", 1),
            ]
    milestone = _MILESTONES.get(type(event))
    return [(milestone, 1)] if milestone else []


def _eligibility(event: ev.EligibilityAssessed) -> list[tuple[str, int | float]]:
    outcome = "eligible" if event.eligible else "ineligible"
    before = event.previously_eligible
    if before is None:
        return [("assessed", 1), (outcome, 1)]
    if before == event.eligible:
        return []
    return [(outcome, 1), ("ineligible" if event.eligible else "eligible", -1)]


def _empty(case: Row) -> Row:
    row: Row = {d: case[d] for d in DIMENSIONS}
    for name, kind in DASHBOARD.columns:
        row.setdefault(name, 0.0 if kind == "float" else 0)
    return row
