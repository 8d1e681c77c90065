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

# Event-store connections of a process that reads the log on one thread (the projection
# worker, the relay, the audit commands, a single-threaded job's commands): opened at its
# start and kept, so more would only be held idle.
ONE_THREAD_POOL = 1


def build_service(
    settings: Settings,
    *,
    clock: Clock | None = None,
    code_generator: Callable[[], str] = new_applicant_code,
    one_thread: bool = False,
) -> CaseService:
    """The command service. Tables must exist already (``bolashak db init``).

    ``one_thread``: for a process that sends its commands one at a time (the deadline
    job), with one event-store connection rather than ``BOLASHAK_POOL_SIZE``."""
    env = settings.eventsourcing_env(
        create_table=settings.database.kind == "memory",
        pool_size=ONE_THREAD_POOL if one_thread else None,
    )
    return CaseService(
        env,
        clock=clock,
        code_generator=code_generator,
        backdating_window=settings.backdating_window(),
    )


def build_reader(settings: Settings) -> CaseEvents:
    """Read-only access to the cases' events (history, audit, projections), for one
    thread at a time."""
    return CaseEvents(settings.eventsourcing_env(create_table=False, pool_size=ONE_THREAD_POOL))


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


def connection_budget(settings: Settings) -> dict[str, int]:
    """The most PostgreSQL connections each long-running process holds (README, "How many
    connections"), by its ``bolashak`` command: what the processes above open, and never
    more (no pool grows past its size). A command that finds its pool busy waits
    ``POOL_WAIT_SECONDS`` and is then answered 503 with Retry-After."""
    return {
        # commands (the pool), read-model queries (one per thread), projectionStatus
        "serve": settings.pool_size + settings.read_connections + 1,
        "projections run": ONE_THREAD_POOL + 2,  # the log's reader, the read models, NOTIFY
        "deadlines run": ONE_THREAD_POOL + 2,  # commands, the log's reader, its read model
        "relay": ONE_THREAD_POOL + 2,  # the log's reader, its position, NOTIFY
        "audit checkpoint": ONE_THREAD_POOL + 1,  # the log's reader, the checkpoints
        "consume": 1,  # its own database's one connection
    }
