"""Every command, declared once: its input type, who may send it, what it decides (the
aggregate's transition, or the decision function that evaluates the rules first), the
rulesets it stamps where they are fixed, and its description for the API.

The service dispatches by the command's type (``CaseService.handle``); the GraphQL
mutations and ``bolashak case run NAME`` are generated from this table; the permission
table (``domain/permissions.py``) is read from it. In which stages a step may be taken is
the aggregate's own table (``domain/case/process.py``), found here by the command's name.
Adding a command: its transition in the aggregate (and its row in the process table), its
spec here, its test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from uuid import UUID

from domain import commands as c
from domain import decisions as d
from domain.case.application import Application
from domain.case.meta import EventMeta, Role
from domain.case.process import STEPS, Step
from domain.quota.steps import GIVE_BACK, RESERVE, RESERVE_BEYOND_PLACES, QuotaStep
from domain.rules import contract_deadline, interview_sheet

C = TypeVar("C")
Decide = Callable[[C, Application, EventMeta, tuple[str, ...]], None]
Create = Callable[[C, UUID, Callable[[], str], EventMeta], Application]

CONTROL_TEST_RULESET = "control-test-order318"
OFFICE = frozenset({Role.OFFICER, Role.ADMIN})
APPLICANT_OR_OFFICE = frozenset({Role.APPLICANT, *OFFICE})
COMMISSION = frozenset({Role.COMMISSION})


def command_name(cls: type) -> str:
    """``SubmitApplication`` -> ``submit_application``: the name events record as their
    command, the CLI's name, the mutation's (in camelCase)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


@dataclass(frozen=True)
class CommandSpec(Generic[C]):
    command: type[C]
    roles: frozenset[Role]
    decide: Decide[C] | None = None  # on an existing case
    create: Create[C] | None = None  # a new case (the submission)
    rulesets: tuple[str, ...] = ()  # the rulesets its decision stamps, where fixed
    description: str | None = None  # the mutation's, in the GraphQL schema
    # what it does to the campaign's quota ledger, saved with the case (None: nothing)
    quota: QuotaStep | None = None
    name: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", command_name(self.command))

    @property
    def step(self) -> Step | None:
        """The stages the step may be taken in, and the rule refusing it (None: a new
        case, no stage yet)."""
        return STEPS.get(self.name)

    def apply(self, command: C, case: Application, meta: EventMeta) -> None:
        """Decides ``command`` on ``case``: refused unless the process allows the step now
        (before any rule is evaluated), then the transition records its events."""
        assert self.decide is not None, f"{self.name} creates a case"
        case.check_step(meta)
        self.decide(command, case, meta, self.rulesets)


def transition(method: Callable[[Application, EventMeta], None]) -> Decide[Any]:
    """A command that carries nothing but its case: the aggregate's method, as it is."""

    def decide(_command: object, case: Application, meta: EventMeta, _: tuple[str, ...]) -> None:
        method(case, meta)

    return decide


REGISTRY: tuple[CommandSpec[Any], ...] = (
    CommandSpec(
        c.SubmitApplication,
        frozenset({Role.APPLICANT, *OFFICE}),
        create=d.submit,
        description="Submit an application (eGov package) inside an intake window.",
    ),
    CommandSpec(c.AssessEligibility, OFFICE, d.assess_eligibility),
    CommandSpec(
        c.ReassessEligibility,
        OFFICE,
        d.reassess_eligibility,
        description=(
            "Decide eligibility again under the rules in force now (reason required): a stored"
            " decision never changes by itself; the new one is recorded beside it."
        ),
    ),
    CommandSpec(
        c.PresentDocuments,
        APPLICANT_OR_OFFICE,
        d.present_documents,
        description=(
            'Record documents of the package presented after the submission (001 "НЕОБХОДИМЫЙ'
            ' ПАКЕТ ДОКУМЕНТОВ"); a case missing one is not passed to testing.'
        ),
    ),
    CommandSpec(
        c.DecideReview,
        OFFICE,
        d.decide_review,
        description=(
            "An officer's decision on a case the rules left undecided (reason required):"
            " ELIGIBLE or INELIGIBLE for an eligibility review; ASSIGN_COURSE (with the months)"
            " or NO_COURSE for a course review; CONTINUE after a failed control test."
        ),
    ),
    CommandSpec(c.RecordTesting, OFFICE, d.record_testing),
    CommandSpec(c.AnnulTesting, OFFICE, d.annul_testing),
    CommandSpec(c.BookInterview, APPLICANT_OR_OFFICE, d.book_interview),
    CommandSpec(
        c.EvaluateInterview,
        frozenset({Role.EXPERT}),
        d.evaluate_interview,
        rulesets=(interview_sheet.RULESET_ID,),
        description="An NEC member's evaluation sheet (002 appendix 6).",
    ),
    CommandSpec(
        c.CompleteInterview,
        OFFICE,
        d.complete_interview,
        rulesets=(
            interview_sheet.RULESET_ID,
            interview_sheet.RECOMMENDATION_POLICY_ID,
            interview_sheet.FINAL_GRADE_POLICY_ID,
        ),
    ),
    CommandSpec(c.AnnulInterview, OFFICE, transition(Application.annul_interview)),
    CommandSpec(
        c.Award,
        COMMISSION,
        d.award,
        rulesets=(contract_deadline.RULESET_ID,),
        quota=RESERVE,
        description=(
            "The Republican Commission awards the scholarship: one of the campaign's places"
            " (555 in 2023) is reserved on its quota ledger in the same transaction; refused"
            " (award_within_places, award_within_category_quota) when none is left."
        ),
    ),
    CommandSpec(
        c.AwardBeyondPlaces,
        COMMISSION,
        d.award_beyond_places,
        rulesets=(contract_deadline.RULESET_ID,),
        quota=RESERVE_BEYOND_PLACES,
        description=(
            "An award beyond the campaign's places or the category's share, explicitly (reason"
            " required): the override is recorded on the quota ledger with the reason."
        ),
    ),
    CommandSpec(c.Refuse, COMMISSION, d.refuse),
    CommandSpec(
        c.SignContracts, OFFICE, d.sign_contracts, rulesets=(contract_deadline.RULESET_ID,)
    ),
    CommandSpec(
        c.RecordWinnersListPublished,
        OFFICE,
        transition(Application.record_winners_list_published),
        description=(
            "The winners list naming the scholar was published (due the day after the"
            " commission's protocol reached CIP, 000 lines 473-477)."
        ),
    ),
    CommandSpec(c.Revoke, frozenset({Role.SYSTEM, *OFFICE}), d.revoke, quota=GIVE_BACK),
    CommandSpec(
        c.Withdraw,
        APPLICANT_OR_OFFICE,
        transition(Application.withdraw),
        quota=GIVE_BACK,
        description=(
            "The applicant withdraws, before the contracts; after the award this is the"
            " scholar declining it, and the place returns to the campaign's quota ledger."
        ),
    ),
    CommandSpec(c.AssignLanguageCourse, OFFICE, d.language_course),
    CommandSpec(
        c.ReassignLanguageCourse,
        OFFICE,
        d.reassign_language_course,
        description=(
            "Decide the language course again under the rules in force now (reason required)."
        ),
    ),
    CommandSpec(
        c.RecordControlTest,
        OFFICE,
        d.record_control_test,
        rulesets=(CONTROL_TEST_RULESET,),
        description=(
            "A control test after language courses (002 lines 868, 1915): a failed test after"
            " the full course goes to an officer (the seeds state no consequence)."
        ),
    ),
    CommandSpec(c.RecordDeparture, OFFICE, transition(Application.record_departure)),
    CommandSpec(c.RecordStudiesCompleted, OFFICE, transition(Application.record_studies_completed)),
    CommandSpec(c.RecordReturn, OFFICE, transition(Application.record_return)),
    CommandSpec(c.StartWorkOff, OFFICE, d.start_work_off),
    CommandSpec(c.CompleteWorkOff, OFFICE, transition(Application.complete_work_off)),
    CommandSpec(
        c.ErasePersonalData,
        frozenset({Role.ADMIN}),
        transition(Application.erase_personal_data),
        description=(
            "Erase the applicant's personal data (admin only; the reason is required):"
            " recorded as PersonalDataErased, then the case's data key is destroyed"
            " (docs/audit.md)."
        ),
    ),
)
BY_TYPE: dict[type, CommandSpec[Any]] = {spec.command: spec for spec in REGISTRY}
BY_NAME: dict[str, CommandSpec[Any]] = {spec.name: spec for spec in REGISTRY}


def spec_for(command: object) -> CommandSpec[Any]:
    """The spec of a command (an instance or its class)."""
    cls = command if isinstance(command, type) else type(command)
    spec = BY_TYPE.get(cls)
    if spec is None:
        raise TypeError(f"{cls.__name__} is not a command of the registry")
    return spec
