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
    S.SCHOLAR_REVIEW,
    S.STUDYING,
    S.STUDIES_COMPLETED,
    S.RETURNED,
    S.WORKING_OFF,
)
BEFORE_CONTRACTS = (
    S.SUBMITTED,
    S.ELIGIBILITY_REVIEW,
    S.ELIGIBLE,
    S.TESTED,
    S.INTERVIEW_BOOKED,
    S.INTERVIEWED,
    S.AWARDED,
)
# A selection still open after its eligibility decision: eligibility may be decided again
# under corrected rules (an explicit command with a reason), never silently.
DECIDED_SELECTION = (S.INELIGIBLE, S.ELIGIBLE, S.TESTED, S.INTERVIEW_BOOKED, S.INTERVIEWED)

STEPS: dict[str, Step] = {
    "assess_eligibility": _step("eligibility_assessed_once", S.SUBMITTED),
    "reassess_eligibility": _step("reassessment_of_an_open_selection", *DECIDED_SELECTION),
    # The package (001 "НЕОБХОДИМЫЙ ПАКЕТ ДОКУМЕНТОВ"): documents presented after the
    # submission are recorded until the case goes to testing.
    "present_documents": _step(
        "documents_before_testing", S.SUBMITTED, S.ELIGIBILITY_REVIEW, S.ELIGIBLE
    ),
    # What the rules leave undecided goes to an officer, who decides with a reason.
    "decide_review": _step("officer_decides_a_review", S.ELIGIBILITY_REVIEW, S.SCHOLAR_REVIEW),
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
    "award_beyond_places": _step("commission_decides_after_interview", S.INTERVIEWED),
    "refuse": _step("commission_decides_after_interview", S.INTERVIEWED),
    # Contracts within 90 days of the award; status revocation; withdrawal.
    "sign_contracts": _step("contracts_after_award", S.AWARDED),
    # The winners list is published the day after the protocol reaches CIP (000 473-477).
    "record_winners_list_published": _step("list_after_award", *SCHOLAR),
    "revoke": _step("revoke_only_a_scholar", *SCHOLAR),
    "withdraw": _step("withdraw_before_contracts", *BEFORE_CONTRACTS),
    # Language courses, departure, study, return, work-off.
    "assign_language_course": _step("course_after_contracts", S.CONTRACTED),
    "reassign_language_course": _step("course_reassigned_while_on_course", S.LANGUAGE_COURSE),
    # Control test after language courses (002 lines 868, 1915; 004 lines 195, 303).
    "record_control_test": _step("control_test_after_course", S.LANGUAGE_COURSE, S.STUDYING),
    "record_departure": _step("departure_after_contracts", S.CONTRACTED, S.LANGUAGE_COURSE),
    "record_studies_completed": _step("completion_after_departure", S.STUDYING),
    "record_return": _step("return_after_completion", S.STUDIES_COMPLETED),
    "start_work_off": _step("work_off_after_return", S.RETURNED),
    "complete_work_off": _step("work_off_completed_after_term", S.WORKING_OFF),
    # Erasure of the applicant's personal data: at any stage.
    "erase_personal_data": _step("erasure_at_any_stage", *Stage),
}
