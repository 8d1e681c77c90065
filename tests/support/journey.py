"""Drives one case along the ordinary path of the process, step by step, with real commands."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from domain import commands as c
from domain.case.events import RevocationReason
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.service import CommandResult
from infra.case_store import CaseService
from tests.support import builders as b

_keys = itertools.count(1)

# The ordinary path, and the business date of each step.
PATH: tuple[tuple[Stage, date], ...] = (
    (Stage.SUBMITTED, date(2023, 4, 20)),  # in the second 2023 window (3-28 April, 001)
    (Stage.ELIGIBLE, date(2023, 4, 25)),  # a day after the eGov answer was due: late
    (Stage.TESTED, date(2023, 5, 5)),
    (Stage.INTERVIEW_BOOKED, date(2023, 5, 6)),
    (Stage.INTERVIEWED, date(2023, 5, 22)),
    (Stage.AWARDED, date(2023, 6, 12)),  # the protocol of PROTOCOL_DATE, received in time
    (Stage.CONTRACTED, date(2023, 7, 15)),  # within the 90 days (due DAY_90)
    (Stage.STUDYING, date(2023, 9, 1)),
    (Stage.STUDIES_COMPLETED, date(2024, 7, 1)),
    (Stage.RETURNED, date(2024, 7, 20)),
    (Stage.WORKING_OFF, date(2024, 9, 1)),
    (Stage.WORK_OFF_COMPLETED, date(2029, 9, 1)),  # after the longest term, 5 years (001 line 114)
)
ON: dict[Stage, date] = dict(PATH)  # the business date of each step of the ordinary path
SLOT_DAY = date(2023, 5, 20)
PROTOCOL_DATE = date(2023, 6, 10)
# Contracts within 90 calendar days of the award, counted from the protocol date (000 lines
# 36-45; 001 line 445): the last day to sign, and the first on which the status is lost.
DAY_90 = PROTOCOL_DATE + timedelta(days=90)
DAY_91 = PROTOCOL_DATE + timedelta(days=91)
ERASURE_REASON = "the applicant asked for erasure (request 2023/17)"
EXPERTS = ("nec-01", "nec-02", "nec-03")
SCORES = {
    "professional_preparation": 5,
    "specialty_knowledge": 4,
    "choice_awareness": 5,
    "strategic_documents": 4,
    "situational_tasks": 5,
}


def key(prefix: str = "k") -> str:
    return f"{prefix}-{next(_keys)}"


class Journey:
    def __init__(self, service: CaseService, submission: c.SubmitApplication | None = None):
        self.service = service
        self.submission = submission or b.submission()
        self.application_id: UUID | None = None

    @classmethod
    def resume(cls, service: CaseService, application_id: UUID) -> Journey:
        """A journey of a case that exists, driven through ``service``."""
        journey = cls(service)
        journey.application_id = application_id
        return journey

    @property
    def id(self) -> UUID:
        assert self.application_id is not None
        return self.application_id

    def to(self, stage: Stage) -> UUID:
        """Runs every step of the ordinary path up to and including ``stage``."""
        for step, on in PATH:
            if self.application_id is not None and self._reached(step):
                continue
            STEPS[step](self, on)
            if step is stage:
                return self.id
        raise ValueError(f"{stage} is not on the ordinary path")

    def _reached(self, step: Stage) -> bool:
        order = [s for s, _ in PATH]
        order.insert(order.index(Stage.STUDYING), Stage.LANGUAGE_COURSE)
        current = self.service.get_case(self.id).stage
        if current not in order:
            raise AssertionError(f"the case left the ordinary path: {current}")
        return order.index(current) >= order.index(step)

    def send(
        self,
        command: c.Command,
        on: date,
        role: Role = Role.OFFICER,
        actor: str = "officer-1",
        idempotency_key: str | None = None,
        reason: str = "",
    ) -> CommandResult:
        ctx = b.context(idempotency_key or key(), on=on, role=role, actor=actor, reason=reason)
        result = self.service.handle(command, ctx)
        self.application_id = result.application_id
        return result

    def submit(self, on: date) -> None:
        self.send(self.submission, on, role=Role.APPLICANT, actor="egov")

    def withdraw(self, on: date) -> CommandResult:
        """The applicant withdraws through eGov, as the package was submitted."""
        return self.send(c.Withdraw(self.id), on, role=Role.APPLICANT, actor="egov")

    def erase(self, on: date, idempotency_key: str | None = None) -> CommandResult:
        """The admin erases the applicant's personal data (a request under the data law)."""
        return self.send(
            c.ErasePersonalData(self.id),
            on,
            role=Role.ADMIN,
            actor="admin-1",
            idempotency_key=idempotency_key,
            reason=ERASURE_REASON,
        )

    def revoke_for_the_missed_deadline(self, on: date, actor: str = "officer-1") -> CommandResult:
        """The system revokes the status: contracts not signed within the 90 days (000 lines
        43-45)."""
        return self.send(
            c.Revoke(self.id, RevocationReason.CONTRACT_DEADLINE_MISSED),
            on,
            role=Role.SYSTEM,
            actor=actor,
        )

    def evaluate_all(self, on: date = SLOT_DAY) -> None:
        for expert in EXPERTS:
            self.send(
                c.EvaluateInterview(self.id, SCORES, True, "clear motivation"),
                on,
                role=Role.EXPERT,
                actor=expert,
            )


def _interview(j: Journey, on: date) -> None:
    j.evaluate_all()
    j.send(c.CompleteInterview(j.id, Decimal("4.67")), on)


STEPS: dict[Stage, Callable[[Journey, date], object]] = {
    Stage.SUBMITTED: Journey.submit,
    Stage.ELIGIBLE: lambda j, on: j.send(c.AssessEligibility(j.id), on),
    Stage.TESTED: lambda j, on: j.send(c.RecordTesting(j.id, 70, 81), on),
    Stage.INTERVIEW_BOOKED: lambda j, on: j.send(
        c.BookInterview(j.id, b.slot(SLOT_DAY)), on, role=Role.APPLICANT, actor="egov"
    ),
    Stage.INTERVIEWED: _interview,
    Stage.AWARDED: lambda j, on: j.send(
        c.Award(j.id, "RK-2023/7", PROTOCOL_DATE), on, role=Role.COMMISSION, actor="rk-1"
    ),
    Stage.CONTRACTED: lambda j, on: j.send(c.SignContracts(j.id, "TC-1", "SC-1"), on),
    Stage.STUDYING: lambda j, on: j.send(c.RecordDeparture(j.id), on),
    Stage.STUDIES_COMPLETED: lambda j, on: j.send(c.RecordStudiesCompleted(j.id), on),
    Stage.RETURNED: lambda j, on: j.send(c.RecordReturn(j.id), on),
    Stage.WORKING_OFF: lambda j, on: j.send(c.StartWorkOff(j.id, "Synthetic LLP", "Astana"), on),
    Stage.WORK_OFF_COMPLETED: lambda j, on: j.send(c.CompleteWorkOff(j.id), on),
}
