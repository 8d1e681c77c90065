"""Random command sequences for property tests: every step of the process, any order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from hypothesis import strategies as st

from domain import commands as c
from domain.case.events import RevocationReason, TestingAnnulment
from domain.case.meta import Role
from domain.errors import DomainError
from infra.case_store import CaseService
from tests.support import builders as b
from tests.support.journey import SCORES

Step = tuple[str, int, int]  # (kind of command, days after the previous step, a small number)
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


def command(kind: str, case_id: UUID, day: date, n: int) -> c.Command:
    protocol = (f"RK/{n}", day)
    makers: dict[str, Callable[[], c.Command]] = {
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


Check = Callable[[UUID, str, int, bool], None]


def play(
    service: CaseService, sequence: list[Step], name: str = "p", check: Check | None = None
) -> UUID:
    """Submits one case, then sends the sequence; refused steps are skipped.

    ``check(case_id, kind, stored_before, refused)`` runs after every step.
    """
    weak = b.background(certificates=(b.ielts("5.5"),))
    submitted = service.handle(
        b.submission(background=weak), b.context(f"{name}-submit", role=Role.APPLICANT)
    )
    case_id, day = submitted.application_id, b.SUBMITTED_ON
    for i, (kind, offset, n) in enumerate(sequence):
        day += timedelta(days=offset)
        stored_before = service.recorder.max_notification_id() or 0
        ctx = b.context(
            f"{name}-{i}", on=day, role=ROLES.get(kind, Role.OFFICER), actor=f"actor-{n}"
        )
        refused = False
        try:
            service.handle(command(kind, case_id, day, n), ctx)
        except DomainError:
            refused = True
        if check is not None:
            check(case_id, kind, stored_before, refused)
    return case_id
