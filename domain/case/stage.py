"""Where a case stands in the programme's process (000 "5 қадам", 001 "ШАГ 1-6")."""

from __future__ import annotations

from enum import Enum


class CaseStatus(Enum):
    """Coarse status for lists and dashboards."""

    IN_SELECTION = "in_selection"  # submitted, not yet decided by the Republican Commission
    SCHOLAR = "scholar"  # awarded and holding the status of scholarship holder
    CLOSED = "closed"  # ended: ineligible, annulled, refused, revoked, withdrawn or done


class Stage(Enum):
    SUBMITTED = "submitted"
    # eligibility the rules could not decide (no row, no ruleset in force, a GPA scale for
    # the Ministry): an officer decides, with a recorded reason
    ELIGIBILITY_REVIEW = "eligibility_review"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    TESTED = "tested"  # comprehensive testing completed
    TESTING_ANNULLED = "testing_annulled"
    INTERVIEW_BOOKED = "interview_booked"
    INTERVIEWED = "interviewed"  # final grade filled by a CIP employee
    INTERVIEW_ANNULLED = "interview_annulled"
    AWARDED = "awarded"
    REFUSED = "refused"
    CONTRACTED = "contracted"
    LANGUAGE_COURSE = "language_course"
    # a scholar's step the rules could not decide (no course row, a failed control test
    # whose consequence the seeds do not state): an officer decides, with a recorded reason
    SCHOLAR_REVIEW = "scholar_review"
    STUDYING = "studying"  # departed
    STUDIES_COMPLETED = "studies_completed"
    RETURNED = "returned"
    WORKING_OFF = "working_off"
    WORK_OFF_COMPLETED = "work_off_completed"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"

    @property
    def status(self) -> CaseStatus:
        if self in _CLOSED:
            return CaseStatus.CLOSED
        if self in _SELECTION:
            return CaseStatus.IN_SELECTION
        return CaseStatus.SCHOLAR


_SELECTION = frozenset(
    {
        Stage.SUBMITTED,
        Stage.ELIGIBILITY_REVIEW,
        Stage.ELIGIBLE,
        Stage.TESTED,
        Stage.INTERVIEW_BOOKED,
        Stage.INTERVIEWED,
    }
)
_CLOSED = frozenset(
    {
        Stage.INELIGIBLE,
        Stage.TESTING_ANNULLED,
        Stage.INTERVIEW_ANNULLED,
        Stage.REFUSED,
        Stage.REVOKED,
        Stage.WITHDRAWN,
        Stage.WORK_OFF_COMPLETED,
    }
)
