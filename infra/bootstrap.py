"""The composition root: builds the case service and its stores for a ``Settings``."""

from __future__ import annotations

from collections.abc import Callable

from domain.clock import Clock
from domain.service import CaseEvents, CaseService, new_applicant_code
from infra.settings import Settings


def build_service(
    settings: Settings,
    *,
    clock: Clock | None = None,
    code_generator: Callable[[], str] = new_applicant_code,
) -> CaseService:
    """The command service. Tables must exist already (``bolashak db init``)."""
    env = settings.eventsourcing_env(create_table=settings.database.kind == "memory")
    return CaseService(env, clock=clock, code_generator=code_generator)


def build_reader(settings: Settings) -> CaseEvents:
    """Read-only access to the cases' events (history, audit, projections)."""
    return CaseEvents(settings.eventsourcing_env(create_table=False))
