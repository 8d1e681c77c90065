"""Properties of the process, for random command sequences (hypothesis):

- no sequence of commands reaches a state the process forbids (a transition outside the
  programme's order, a second testing or interview, contracts after the deadline...);
- a refused command stores nothing;
- rebuilding a case from its stored events always equals its in-memory state.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from hypothesis import given

from domain.case.stage import Stage
from domain.clock import FixedClock
from infra.case_store import CaseService
from infra.container import build_service
from infra.settings import Settings
from tests.support.sequences import Step, play, steps

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


def fresh_service() -> CaseService:
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": "memory:"})
    return build_service(settings, clock=FixedClock(date(2040, 1, 1)))


def run_sequence(service: CaseService, sequence: list[Step]) -> UUID:
    stages = [Stage.SUBMITTED]

    def check(case_id: UUID, kind: str, stored_before: int, refused: bool) -> None:
        stored_now = service.recorder.max_notification_id() or 0
        stage = service.get_case(case_id).stage
        if refused:
            assert stored_now == stored_before, f"a refused {kind} stored something"
            assert stage is stages[-1]
        else:
            assert stage in ALLOWED.get(stages[-1], set()), (stages[-1], kind)
        stages.append(stage)

    return play(service, sequence, check=check)


@given(steps)
def test_random_command_sequences_never_reach_a_forbidden_state(
    sequence: list[Step],
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
    sequence: list[Step],
) -> None:
    service = fresh_service()
    case_id = run_sequence(service, sequence)
    live = service.get_case(case_id)
    rebuilt = service.get_case(case_id, version=live.version)  # bypasses the cache
    assert vars(rebuilt) == vars(live)
