"""Where the simulated people send their commands and read their cases.

The campaign simulator decides each case's next step (``infra/simulation/campaign.py``);
a desk carries it out and answers what the people read before their next step: the case's
stage and dates, the documents still missing, the language route, a place left on the
quota ledger. ``ServiceDesk`` is the command service of this process (the demo, the tests,
the in-process benchmarks); the API benchmark's desk sends the same commands as GraphQL
mutations to a server (``bench/api_desk.py``), so that both run one campaign's decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID

from domain import commands as c
from domain.case.application import Application
from domain.case.events import CourseRoute
from domain.case.meta import CommandContext
from domain.case.stage import Stage
from domain.submission import Document
from infra.case_store import CaseService


@dataclass(frozen=True)
class CaseFacts:
    """What the simulated people read of a case before their next step, and what the
    campaign's summary counts of it (programme and category by their values)."""

    stage: Stage
    version: int
    campaign_year: int
    intake_window: int
    programme: str
    category: str
    contract_deadline: date | None
    awarded_on: date | None


class Desk(Protocol):
    """Called from the campaign's worker threads at once, each on cases of its own."""

    def send(self, command: c.Command, ctx: CommandContext) -> UUID:
        """Carries ``command`` out; the case's id. A refusal by the rules or the process
        is raised as the ``DomainError`` the command service raises."""
        ...

    def case(self, application_id: UUID) -> CaseFacts:
        """The case after the last command sent to it."""
        ...

    def missing_documents(self, application_id: UUID) -> tuple[Document, ...]:
        """The documents of the package its last check found missing."""
        ...

    def course_route(self, application_id: UUID) -> CourseRoute | None:
        """The language route its eligibility decision reached."""
        ...

    def place_left(self, year: int, category: str) -> bool:
        """An award in ``category`` would be within the campaign's places and the
        category's share (its quota ledger)."""
        ...


@dataclass(frozen=True)
class ServiceDesk:
    """The command service of this process: this process's copies of the cases."""

    service: CaseService

    def send(self, command: c.Command, ctx: CommandContext) -> UUID:
        return self.service.handle(command, ctx).application_id

    def case(self, application_id: UUID) -> CaseFacts:
        return facts_of(self.service.cached_case(application_id))

    def missing_documents(self, application_id: UUID) -> tuple[Document, ...]:
        return self.service.cached_case(application_id).missing_documents or ()

    def course_route(self, application_id: UUID) -> CourseRoute | None:
        return self.service.cached_case(application_id).route

    def place_left(self, year: int, category: str) -> bool:
        ledger = self.service.held_ledger(year) or self.service.stored_ledger(year)
        return ledger is None or ledger.has_place_for(category)


def facts_of(case: Application) -> CaseFacts:
    return CaseFacts(
        stage=case.stage,
        version=case.version,
        campaign_year=case.campaign_year,
        intake_window=case.intake_window,
        programme=case.plan.programme.value,
        category=case.plan.category.value,
        contract_deadline=case.contract_deadline,
        awarded_on=case.awarded_on,
    )
