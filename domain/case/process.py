"""The order of the process: in which stages each step may be taken, and the rule's name.

One table, read top to bottom as the programme runs (000 "5 қадам"; 001 "ШАГ 1-6",
"3 ТУРА КОНКУРСНОГО ОТБОРА"). A step asked for in any other stage is refused with the
rule named here, and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.case.stage import Stage

S = Stage


@dataclass(frozen=True)
class Step:
    allowed: frozenset[Stage]
    rule: str


def _step(rule: str, *allowed: Stage) -> Step:
    return Step(frozenset(allowed), rule)


SCHOLAR = (
    S.AWARDED,
    S.CONTRACTED,
    S.LANGUAGE_COURSE,
    S.STUDYING,
    S.STUDIES_COMPLETED,
    S.RETURNED,
    S.WORKING_OFF,
)
BEFORE_CONTRACTS = (S.SUBMITTED, S.ELIGIBLE, S.TESTED, S.INTERVIEW_BOOKED, S.INTERVIEWED, S.AWARDED)

STEPS: dict[str, Step] = {
    "assess_eligibility": _step("eligibility_assessed_once", S.SUBMITTED),
    # Comprehensive testing: after eligibility, once; no retake.
    "record_testing": _step("testing_after_eligibility_no_retake", S.ELIGIBLE),
    "annul_testing": _step("testing_annulled_before_interview", S.ELIGIBLE, S.TESTED),
    # Interview: after testing; the slot's time cannot be changed; no retake.
    "book_interview": _step("interview_after_testing_time_fixed", S.TESTED),
    "evaluate_interview": _step("sheets_during_interview_stage", S.INTERVIEW_BOOKED),
    "complete_interview": _step("final_grade_once", S.INTERVIEW_BOOKED),
    "annul_interview": _step("interview_annulled_for_violation", S.INTERVIEW_BOOKED, S.INTERVIEWED),
    # The Republican Commission decides after the interview.
    "award": _step("commission_decides_after_interview", S.INTERVIEWED),
    "refuse": _step("commission_decides_after_interview", S.INTERVIEWED),
    # Contracts within 90 days of the award; status revocation; withdrawal.
    "sign_contracts": _step("contracts_after_award", S.AWARDED),
    "revoke": _step("revoke_only_a_scholar", *SCHOLAR),
    "withdraw": _step("withdraw_before_contracts", *BEFORE_CONTRACTS),
    # Language courses, departure, study, return, work-off.
    "assign_language_course": _step("course_after_contracts", S.CONTRACTED),
    "record_departure": _step("departure_after_contracts", S.CONTRACTED, S.LANGUAGE_COURSE),
    "record_studies_completed": _step("completion_after_departure", S.STUDYING),
    "record_return": _step("return_after_completion", S.STUDIES_COMPLETED),
    "start_work_off": _step("work_off_after_return", S.RETURNED),
    "complete_work_off": _step("work_off_completed_after_term", S.WORKING_OFF),
    # Erasure of the applicant's personal data: at any stage.
    "erase_personal_data": _step("erasure_at_any_stage", *Stage),
}
