"""A campaign simulator: synthetic cases driven through the real command service.

Each case is submitted inside a 2023 intake window (more of them near the window's end, as
on eGov), then moves through the process with plausible business dates, stopping at a
random stage, or where the next step would lie after today; an award waits for its
contracts only while its 90 days run (most scholars sign, a few are revoked on day 91, as
in a real campaign by its business date). Nothing bypasses the service:
every event is made by an ordinary command with its own idempotency key. The work people
do is simulated too: documents presented after the submission, officers deciding what the
rules left undecided (with a reason), the winners list, control tests after courses.

The decisions are made here once; a desk (``infra/simulation/desk.py``) carries the commands
out, in this process or through a server's GraphQL API.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TypeVar
from uuid import UUID

from domain import commands as c
from domain.case.events import (
    ControlTestPurpose,
    ReviewDecision,
    RevocationReason,
    TestingAnnulment,
)
from domain.case.meta import CommandContext, Role
from domain.case.stage import Stage
from domain.errors import DomainError
from domain.rules.intake_windows import all_windows, annual_awards_target
from domain.rules.interview_sheet import criterion_keys
from infra.case_store import CaseService
from infra.simulation.desk import Desk, ServiceDesk
from infra.simulation.people import synthetic_applicant
from infra.simulation.profiles import synthetic_background, synthetic_plan

T = TypeVar("T")

HALT = 0.07  # chance a case waits at any given step (so every stage has cases)
OFFICER_REASON = "decided on the case file (synthetic campaign)"


@dataclass
class CampaignSummary:
    applications: int = 0
    events: int = 0
    by_stage: Counter[str] = field(default_factory=Counter)
    by_window: Counter[str] = field(default_factory=Counter)
    by_programme: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)  # commands refused by a rule
    awards_target: int | None = None


class CaseStopped(Exception):  # noqa: N818 (a control-flow signal, not an error)
    """The case waits here (by chance, or because the next date is after today)."""


@dataclass
class CaseDriver:
    desk: Desk
    rng: random.Random
    today: date
    case_no: int
    seed: int
    application_id: UUID | None = None
    day: date = date.min
    steps: int = 0

    def do(
        self,
        command: c.Command,
        role: Role,
        after_days: tuple[int, int] = (0, 0),
        actor: str = "",
        on: date | None = None,
        may_wait: bool = True,
        reason: str = "",
    ) -> None:
        """Sends ``command`` some days after the previous step (or ``on`` a given day)."""
        if may_wait and self.steps and self.rng.random() < HALT:
            raise CaseStopped
        self.day = on or self.day + timedelta(days=self.rng.randint(*after_days))
        if self.day > self.today:
            raise CaseStopped
        self.steps += 1
        ctx = CommandContext(
            actor_id=actor or f"{role.value}-{self.rng.randint(1, 12):02d}",
            role=role,
            idempotency_key=f"sim-{self.seed}-{self.case_no}-{self.steps}",
            occurred_on=self.day,
            reason=reason,
        )
        self.application_id = self.desk.send(command, ctx)

    @property
    def case_id(self) -> UUID:
        assert self.application_id is not None
        return self.application_id

    def stage(self) -> Stage:
        """Where the case is now (a method: every step may move it)."""
        return self.desk.case(self.case_id).stage

    def officer_decides(
        self, decision: ReviewDecision, months: tuple[int, int] | None = None
    ) -> None:
        """An officer decides a referral, with a reason, a few days later."""
        given = months or (None, None)
        command = c.DecideReview(self.case_id, decision, *given)
        self.do(command, Role.OFFICER, (1, 5), reason=OFFICER_REASON)


def simulate_campaign(
    service: CaseService | Desk,
    applications: int,
    *,
    seed: int = 2023,
    today: date,
    progress: Callable[[int], None] = lambda _: None,
    first_case: int = 1,
    workers: int = 1,
) -> CampaignSummary:
    """Simulates ``applications`` cases numbered from ``first_case``, on ``workers``
    threads (as concurrent officers and eGov submissions reach one server process).

    Each case draws from its own generator, seeded by ``seed`` and its number, so the same
    seed and numbers give the same cases and the same idempotency keys whatever the number
    of workers: a repeated run stores nothing new; another seed adds other cases.
    ``service``: the command service of this process, or another desk for the commands.
    """
    desk = ServiceDesk(service) if isinstance(service, CaseService) else service
    summary = CampaignSummary(awards_target=annual_awards_target(2023))
    lock = threading.Lock()
    finished = 0

    def one(number: int) -> None:
        nonlocal finished
        driver = CaseDriver(desk, random.Random(f"{seed}:{number}"), today, number, seed)
        refusal = ""
        try:
            _drive(driver)
        except CaseStopped:
            pass
        except DomainError as e:
            refusal = type(e).__name__
        with lock:
            if refusal:
                summary.refusals[refusal] += 1
            if driver.application_id is not None:
                _count(summary, desk, driver.case_id)
            finished += 1
            progress(finished)

    deal(range(first_case, first_case + applications), one, workers)
    return summary


def deal(items: Iterable[T], work: Callable[[T], None], workers: int) -> None:
    """``work`` on each item, dealt in their order to ``workers`` threads (in this thread,
    one after the other, when ``workers`` is 1): each item's work stays on one thread."""
    if workers <= 1:
        for item in items:
            work(item)
        return
    with ThreadPoolExecutor(workers) as pool:
        for _ in pool.map(work, items):
            pass


def _drive(d: CaseDriver) -> None:
    windows = [w for w in all_windows() if w.campaign_year == 2023]
    window = d.rng.choice(windows)
    span = (window.closes - window.opens).days
    d.day = window.opens + timedelta(days=round(d.rng.triangular(0, span, span)))
    plan = synthetic_plan(d.rng)
    submit = c.SubmitApplication(
        synthetic_applicant(d.rng), plan, synthetic_background(d.rng, plan)
    )
    d.do(submit, Role.APPLICANT, (0, 0), actor="egov")
    d.do(c.AssessEligibility(d.case_id), Role.OFFICER, (1, 5))
    if d.stage() is Stage.ELIGIBILITY_REVIEW:
        eligible = d.rng.random() < 0.7
        d.officer_decides(ReviewDecision.ELIGIBLE if eligible else ReviewDecision.INELIGIBLE)
    if d.stage() is Stage.INELIGIBLE:
        return
    missing = d.desk.missing_documents(d.case_id)
    if missing:  # the package is completed later (or the applicant gives up)
        d.do(c.PresentDocuments(d.case_id, missing), Role.APPLICANT, (2, 15), actor="egov")
    _selection(d)
    if d.stage() is Stage.AWARDED:
        _after_award(d)


def _selection(d: CaseDriver) -> None:
    if d.rng.random() < 0.03:
        return d.do(c.Withdraw(d.case_id), Role.APPLICANT, (1, 20), actor="egov")
    if d.rng.random() < 0.02:
        annulment = d.rng.choice(list(TestingAnnulment))
        return d.do(c.AnnulTesting(d.case_id, annulment), Role.OFFICER, (5, 20))
    d.do(
        c.RecordTesting(d.case_id, d.rng.randint(30, 99), d.rng.randint(30, 99)),
        Role.OFFICER,
        (5, 20),
    )
    slot_day = d.day + timedelta(days=d.rng.randint(7, 21))
    slot = datetime.combine(slot_day, time(d.rng.choice((9, 10, 11, 14, 15, 16))))
    d.do(c.BookInterview(d.case_id, slot), Role.APPLICANT, (1, 4), actor="egov")
    strength = d.rng.choice((3, 4, 4, 5, 5))
    for expert in d.rng.sample(range(1, 31), 3):
        scores = {k: _around(d.rng, strength) for k in criterion_keys()}
        sheet = c.EvaluateInterview(d.case_id, scores, sum(scores.values()) >= 19, "synthetic")
        d.do(sheet, Role.EXPERT, actor=f"nec-{expert:02d}", on=slot_day, may_wait=False)
    d.do(c.CompleteInterview(d.case_id, Decimal(strength)), Role.OFFICER, (1, 3))
    protocol_date = d.day + timedelta(days=d.rng.randint(10, 30))
    awards = strength >= 4 or d.rng.random() < 0.1
    decision = c.Award if awards and _place_left(d) else c.Refuse
    protocol = decision(d.case_id, f"RK-2023/{d.rng.randint(1, 40)}", protocol_date)
    d.do(protocol, Role.COMMISSION, on=protocol_date + timedelta(days=d.rng.randint(1, 11)))
    return None


def _place_left(d: CaseDriver) -> bool:
    """The commission awards only within the campaign's places and its category's share
    (its quota ledger, 555 places in 2023: 001 line 36): when they are used, it refuses.
    A case decided already (a repeated run) is decided as it was."""
    case = d.desk.case(d.case_id)
    if case.stage is not Stage.INTERVIEWED:
        return case.awarded_on is not None
    return d.desk.place_left(2023, case.category)


def _after_award(d: CaseDriver) -> None:
    if d.rng.random() < 0.07:
        d.do(
            c.Revoke(d.case_id, RevocationReason.CONTRACT_DEADLINE_MISSED),
            Role.SYSTEM,
            (91, 92),
            actor="deadline-job",
            may_wait=False,  # the deadline job does not wait
        )
        return
    d.do(c.RecordWinnersListPublished(d.case_id), Role.OFFICER, (1, 2), may_wait=False)
    deadline = d.desk.case(d.case_id).contract_deadline
    d.do(
        c.SignContracts(d.case_id, f"TC-{d.case_no:06d}", f"SC-{d.case_no:06d}"),
        Role.OFFICER,
        (10, 70),
        # a scholar waits to sign only while the 90 days run: by the business date a real
        # campaign's awards are signed, or revoked (above), never left to the deadline job
        may_wait=deadline is not None and deadline >= d.today,
    )
    route = d.desk.course_route(d.case_id)
    if route is not None and route.value != "straight_to_study":
        _language_course(d)
    d.do(c.RecordDeparture(d.case_id), Role.OFFICER, (30, 200))
    if d.rng.random() < 0.02:
        d.do(c.Revoke(d.case_id, RevocationReason.VIOLATION), Role.OFFICER, (30, 300))
        return
    d.do(c.RecordStudiesCompleted(d.case_id), Role.OFFICER, (300, 730))
    d.do(c.RecordReturn(d.case_id), Role.OFFICER, (5, 40))
    location = d.rng.choice(("Astana", "Almaty", "Shymkent", "Karaganda", "Aktobe", "Pavlodar"))
    d.do(c.StartWorkOff(d.case_id, "Synthetic employer LLP", location), Role.OFFICER, (20, 90))
    d.do(c.CompleteWorkOff(d.case_id), Role.OFFICER, (365 * 5 + 2, 365 * 5 + 30))


def _language_course(d: CaseDriver) -> None:
    """The course; where no table decides, an officer; then the control test (002 line
    1915), which one in seven fails: an officer decides, and the scholar goes on."""
    d.do(c.AssignLanguageCourse(d.case_id), Role.OFFICER, (3, 20))
    if d.stage() is Stage.SCHOLAR_REVIEW:
        d.officer_decides(ReviewDecision.ASSIGN_COURSE, (0, 6))
    if d.stage() is not Stage.LANGUAGE_COURSE:
        return
    passed = d.rng.random() >= 1 / 7
    result = "IELTS 6.5" if passed else "IELTS 6.0"
    test = c.RecordControlTest(d.case_id, ControlTestPurpose.ADMISSION_AFTER_COURSE, passed, result)
    d.do(test, Role.OFFICER, (60, 250))
    if d.stage() is Stage.SCHOLAR_REVIEW:
        d.officer_decides(ReviewDecision.CONTINUE)


def _count(summary: CampaignSummary, desk: Desk, application_id: UUID) -> None:
    case = desk.case(application_id)
    summary.applications += 1
    summary.events += case.version
    summary.by_stage[case.stage.value] += 1
    summary.by_window[f"{case.campaign_year}-W{case.intake_window}"] += 1
    summary.by_programme[f"{case.programme}/{case.category}"] += 1


def _around(rng: random.Random, strength: int) -> int:
    return max(2, min(5, strength + rng.choice((-1, 0, 0, 1))))
