"""The composition root: builds the case service and its stores for a ``Settings``."""

from __future__ import annotations

import functools
from collections.abc import Callable

from domain.clock import Clock
from domain.service import CaseEvents, CaseService, new_applicant_code
from infra.settings import Settings
from projections import catalog
from projections.engine import ProjectionEngine
from projections.sql import ViewDatabase


def build_service(
    settings: Settings,
    *,
    clock: Clock | None = None,
    code_generator: Callable[[], str] = new_applicant_code,
) -> CaseService:
    """The command service. Tables must exist already (``bolashak db init``)."""
    env = settings.eventsourcing_env(create_table=settings.database.kind == "memory")
    return CaseService(
        env,
        clock=clock,
        code_generator=code_generator,
        backdating_window=settings.backdating_window(),
    )


def build_reader(settings: Settings) -> CaseEvents:
    """Read-only access to the cases' events (history, audit, projections)."""
    return CaseEvents(settings.eventsourcing_env(create_table=False))


def build_projection_engine(
    settings: Settings, names: list[str] | None = None, *, page_size: int = 2000
) -> ProjectionEngine:
    """The read-model worker for the given projections (all of them by default)."""
    reader = build_reader(settings)
    db = ViewDatabase(settings, reader.events_table())
    return ProjectionEngine(
        reader,
        db,
        catalog.named(names, reader.sealer),
        page_size=page_size,
        listen_dsn=listen_dsn(settings),
    )


def projection_engine_factory(
    settings: Settings, names: list[str] | None = None
) -> Callable[[], ProjectionEngine]:
    """Builds ``build_projection_engine(settings, names)`` when called: what a rebuild's
    share processes build their own engines with (a partial of module-level names, so it
    pickles where processes are spawned)."""
    return functools.partial(build_projection_engine, settings, names)


def listen_dsn(settings: Settings) -> str | None:
    """Where followers of the log wait for the store's NOTIFY (None: they poll)."""
    return settings.database.dsn() if settings.database.kind == "postgres" else None
