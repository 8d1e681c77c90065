"""Properties of the process, for random command sequences (hypothesis):

- no sequence of commands reaches a state the process forbids (a transition outside the
  programme's order, a second testing or interview, contracts after the deadline...);
- a refused command stores nothing;
- rebuilding a case from its stored events always equals its in-memory state.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from domain import commands as c
from domain.case.events import RevocationReason, TestingAnnulment
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.errors import DomainError
from domain.service import CaseService
from infra.bootstrap import build_service
from infra.settings import Settings
from tests.support import builders as b
from tests.support.journey import SCORES

S = Stage
ALLOWED: dict[Stage, set[Stage]] = {
    S.SUBMITTED: {S.ELIGIBLE, S.INELIGIBLE, S.WITHDRAWN},
    S.ELIGIBLE: {S.TESTED, S.TESTING_ANNULLED, S.WITHDRAWN},
    S.TESTED: {S.INTERVIEW_BOOKED, S.TESTING_ANNULLED, S.WITHDRAWN},
    S.INTERVIEW_BOOKED: {S.INTERVIEW_BOOKED, S.INTERVIEWED, S.INTERVIEW_ANNULLED, S.WITHDRAWN},
    S.INTERVIEWED: {S.AWARDED, S.REFUSED, S.INTERVIEW_ANNULLED, S.WITHDRAWN},
    S.AWARDED: {S.CONTRACTED, S.REVOKED, S.WITHDRAWN},
    S.CONTRACTED: {S.LANGUAGE_COURSE, S.STUDYING, S.REVOKED},
    S.LANGUAGE_COURSE: {S.STUDYING, S.REVOKED},
    S.STUDYING: {S.STUDIES_COMPLETED, S.REVOKED},
    S.STUDIES_COMPLETED: {S.RETURNED, S.REVOKED},
    S.RETURNED: {S.WORKING_OFF, S.REVOKED},
    S.WORKING_OFF: {S.WORK_OFF_COMPLETED, S.REVOKED},
}
KINDS = (
    "assess",
    "test",
    "annul_test",
    "book",
    "sheet",
    "complete",
    "annul_interview",
    "award",
    "refuse",
    "sign",
    "revoke_deadline",
    "revoke",
    "withdraw",
    "course",
    "depart",
    "complete_studies",
    "return",
    "start_work_off",
    "complete_work_off",
)
ROLES = {
    "sheet": Role.EXPERT,
    "award": Role.COMMISSION,
    "refuse": Role.COMMISSION,
    "book": Role.APPLICANT,
    "withdraw": Role.APPLICANT,
    "revoke_deadline": Role.SYSTEM,
}
steps = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.integers(min_value=-3, max_value=400),
        st.integers(min_value=1, max_value=5),
    ),
    min_size=1,
    max_size=25,
)


def command(kind: str, case_id: UUID, day: date, n: int) -> object:
    protocol = (f"RK/{n}", day)
    makers: dict[str, Callable[[], object]] = {
        "assess": lambda: c.AssessEligibility(case_id),
        "test": lambda: c.RecordTesting(case_id, 10 * n, 10 * n),
        "annul_test": lambda: c.AnnulTesting(case_id, TestingAnnulment.UNFINISHED),
        "book": lambda: c.BookInterview(case_id, b.slot(day + timedelta(days=n))),
        "sheet": lambda: c.EvaluateInterview(case_id, SCORES, n % 2 == 0, ""),
        "complete": lambda: c.CompleteInterview(
            case_id, Decimal(n).min(Decimal(5)).max(Decimal(2))
        ),
        "annul_interview": lambda: c.AnnulInterview(case_id),
        "award": lambda: c.Award(case_id, *protocol),
        "refuse": lambda: c.Refuse(case_id, *protocol),
        "sign": lambda: c.SignContracts(case_id, f"TC-{n}", f"SC-{n}"),
        "revoke_deadline": lambda: c.Revoke(case_id, RevocationReason.CONTRACT_DEADLINE_MISSED),
        "revoke": lambda: c.Revoke(case_id, RevocationReason.VIOLATION),
        "withdraw": lambda: c.Withdraw(case_id),
        "course": lambda: c.AssignLanguageCourse(case_id),
        "depart": lambda: c.RecordDeparture(case_id),
        "complete_studies": lambda: c.RecordStudiesCompleted(case_id),
        "return": lambda: c.RecordReturn(case_id),
        "start_work_off": lambda: c.StartWorkOff(case_id, "LLP", "Astana" if n % 2 else "Aktobe"),
        "complete_work_off": lambda: c.CompleteWorkOff(case_id),
    }
    return makers[kind]()


def fresh_service() -> CaseService:
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": "memory:"})
    return build_service(settings, clock=FixedClock(date(2040, 1, 1)))


def run_sequence(service: CaseService, sequence: list[tuple[str, int, int]]) -> UUID:
    weak = b.background(certificates=(b.ielts("5.5"),))
    submitted = service.submit_application(
        b.submission(background=weak), b.context("p-submit", role=Role.APPLICANT)
    )
    case_id, day = submitted.application_id, b.SUBMITTED_ON
    for i, (kind, offset, n) in enumerate(sequence):
        day += timedelta(days=offset)
        before = service.get_case(case_id)
        stored_before = service.recorder.max_notification_id()
        ctx = b.context(f"p-{i}", on=day, role=ROLES.get(kind, Role.OFFICER), actor=f"actor-{n}")
        try:
            getattr(service, _method(kind))(command(kind, case_id, day, n), ctx)
        except DomainError:
            assert service.recorder.max_notification_id() == stored_before
            continue
        after = service.get_case(case_id)
        assert after.stage in ALLOWED.get(before.stage, set()), (before.stage, kind)
    return case_id


def _method(kind: str) -> str:
    return {
        "assess": "assess_eligibility",
        "test": "record_testing",
        "annul_test": "annul_testing",
        "book": "book_interview",
        "sheet": "evaluate_interview",
        "complete": "complete_interview",
        "annul_interview": "annul_interview",
        "award": "award",
        "refuse": "refuse",
        "sign": "sign_contracts",
        "revoke_deadline": "revoke",
        "revoke": "revoke",
        "withdraw": "withdraw",
        "course": "assign_language_course",
        "depart": "record_departure",
        "complete_studies": "record_studies_completed",
        "return": "record_return",
        "start_work_off": "start_work_off",
        "complete_work_off": "complete_work_off",
    }[kind]


@given(steps)
def test_random_command_sequences_never_reach_a_forbidden_state(
    sequence: list[tuple[str, int, int]],
) -> None:
    service = fresh_service()
    case_id = run_sequence(service, sequence)
    events = list(service.events.get(case_id))
    names = [type(e).__name__ for e in events]
    assert names.count("TestingCompleted") <= 1
    assert names.count("InterviewSlotBooked") <= 1
    assert names.count("Awarded") + names.count("Refused") <= 1
    assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
    dates = [e.meta.occurred_on for e in events]  # type: ignore[attr-defined]
    assert dates == sorted(dates)
    if "ContractsSigned" in names:
        award = events[names.index("Awarded")]
        signed = events[names.index("ContractsSigned")]
        assert signed.meta.occurred_on <= award.contract_deadline  # type: ignore[attr-defined]


@given(steps)
def test_rebuilding_a_case_from_its_stored_events_equals_its_state(
    sequence: list[tuple[str, int, int]],
) -> None:
    service = fresh_service()
    case_id = run_sequence(service, sequence)
    live = service.get_case(case_id)
    rebuilt = service.get_case(case_id, version=live.version)  # bypasses the cache
    assert vars(rebuilt) == vars(live)
