"""The composition root: every long-lived object of a process is built here, from one
``Settings``, and handed to what uses it.

The event store's services (commands, the log's readers), the read models' connections
(``ViewDatabase``, never built anywhere else), the projection engine, the relay, the
deadline job, the in-process workers, the user directory and the API's signing secret.
The entry points (the ``bolashak`` CLI, ``api/app.py``'s ASGI app) read the settings once
and ask for what they need; nothing below them reads the environment or builds its own
connections. Tables must exist already (``bolashak db init``).
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from domain.case.meta import Role
from domain.clock import Clock
from domain.service import new_applicant_code
from infra import users
from infra.case_store import CaseEvents, CaseService
from infra.deadline_job import DeadlineJob
from infra.example_consumer import CaseStatusConsumer
from infra.settings import (
    POOL_WAIT_SECONDS,
    PREFIX,
    Database,
    Kafka,
    Settings,
    SettingsError,
    private_database_file,
    secret_file,
)
from infra.users import UserDirectoryError
from infra.workers import InProcessWorkers
from projections import catalog
from projections.engine import ProjectionEngine
from projections.sql import ViewConfig, ViewDatabase

if TYPE_CHECKING:
    from infra.intake.worker import IntakeWorker, Sender
    from infra.relay.relay import Producer, Relay

# Event-store connections of a process that reads the log on one thread (the projection
# worker, the relay, the audit commands, a single-threaded job's commands): opened at its
# start and kept, so more would only be held idle.
ONE_THREAD_POOL = 1
JWT_DEV_KEY_FILE = Path("var") / "jwt-dev.key"


# -- the event store -------------------------------------------------------------------------


def build_service(
    settings: Settings,
    *,
    clock: Clock | None = None,
    code_generator: Callable[[], str] = new_applicant_code,
    one_thread: bool = False,
) -> CaseService:
    """The command service. ``one_thread``: for a process that sends its commands one at a
    time (the deadline job), with one event-store connection rather than
    ``BOLASHAK_POOL_SIZE``."""
    env = settings.eventsourcing_env(
        create_table=settings.database.kind == "memory",
        pool_size=ONE_THREAD_POOL if one_thread else None,
    )
    return CaseService(
        env,
        clock=clock,
        code_generator=code_generator,
        backdating_window=settings.backdating_window(),
        places=dict(settings.awards_targets),
    )


def create_store_tables(settings: Settings) -> None:
    """The event store's tables and insert functions (``bolashak db init`` only: several
    processes creating tables at once crash, shared/FIELD-NOTES.md)."""
    CaseEvents(settings.eventsourcing_env(create_table=True, pool_size=ONE_THREAD_POOL)).close()


def build_reader(settings: Settings) -> CaseEvents:
    """Read-only access to the cases' events (history, audit, projections), for one
    thread at a time."""
    return CaseEvents(settings.eventsourcing_env(create_table=False, pool_size=ONE_THREAD_POOL))


# -- the read models -------------------------------------------------------------------------


def view_config(database: Database, lock_timeout_seconds: int) -> ViewConfig:
    """What the read models need of the settings: where they are, how long SQLite waits."""
    if database.kind == "sqlite":
        private_database_file(database.path)  # before SQLite opens (and creates) it
        return ViewConfig("sqlite", path=database.path, busy_seconds=lock_timeout_seconds)
    dsn = database.dsn() if database.kind == "postgres" else ""
    return ViewConfig(database.kind, dsn=dsn, busy_seconds=lock_timeout_seconds)


def view_database(
    settings: Settings, events_table: str = "bolashak_events", *, lock_timeout: float | None = None
) -> ViewDatabase:
    """One read-model connection (same database as the store). ``events_table``: the
    library's table of events, read as the log (``CaseEvents.events_table()``);
    ``lock_timeout``: seconds a PostgreSQL statement waits for a table's lock."""
    config = view_config(settings.database, settings.lock_timeout_seconds)
    return ViewDatabase(config, events_table, lock_timeout=lock_timeout)


def query_connection(settings: Settings, events_table: str) -> ViewDatabase:
    """A read connection of the API's query threads: waiting at most
    ``POOL_WAIT_SECONDS`` for a table's lock (a rebuild's swap, a migration)."""
    return view_database(settings, events_table, lock_timeout=POOL_WAIT_SECONDS)


def build_projection_engine(
    settings: Settings, names: list[str] | None = None, *, page_size: int = 2000
) -> ProjectionEngine:
    """The read-model worker for the given projections (all of them by default)."""
    reader = build_reader(settings)
    db = view_database(settings, reader.events_table())
    return ProjectionEngine(reader, db, catalog.named(names, reader.sealer), page_size=page_size)


def schema_engine(settings: Settings) -> ProjectionEngine:
    """Every projection, for their tables and a rebuild of those whose fold changed
    (``bolashak db init``): with the store's sealer, so that a rebuilt case list keeps its
    sealed copies of the identities."""
    return build_projection_engine(settings)


def status_engine(settings: Settings, service: CaseService) -> ProjectionEngine:
    """Every projection's status (``projectionStatus``, ``/health``), read through the
    service's own event-store connections and one read-model connection."""
    db = view_database(settings, service.events_table())
    return ProjectionEngine(service, db, catalog.all_projections(service.sealer))


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


# -- workers ---------------------------------------------------------------------------------


def build_deadline_job(settings: Settings, clock: Clock) -> DeadlineJob:
    """The contract deadline job, as its own process: its commands on one connection."""
    engine = build_projection_engine(settings, ["deadlines"])
    return DeadlineJob(build_service(settings, clock=clock, one_thread=True), engine.db, clock)


def build_in_process_workers(
    settings: Settings, service: CaseService, clock: Clock, **intervals: float
) -> InProcessWorkers:
    """The read models, the deadline job and the audit checkpoints on threads of this
    process (the embedded store's server), the job sending through ``service``."""
    engine = build_projection_engine(settings)
    job = DeadlineJob(service, engine.db, clock)
    return InProcessWorkers(engine, job, listen_dsn(settings), **intervals)


def build_relay(
    settings: Settings,
    *,
    page_size: int = 1000,
    producer_factory: Callable[[Kafka], Producer] | None = None,
) -> Relay:
    """The relay to ``BOLASHAK_KAFKA_*``'s topics, from its recorded position."""
    from infra.relay.relay import Relay  # kafka-python takes ~0.3 s to import: relay only

    reader = build_reader(settings)
    return Relay(
        settings.kafka,
        reader,
        view_database(settings, reader.events_table()),
        listen_dsn=listen_dsn(settings),
        page_size=page_size,
        producer_factory=producer_factory,
    )


def build_intake(
    settings: Settings,
    clock: Clock,
    *,
    consumer: Any = None,
    producer: Sender | None = None,
) -> IntakeWorker:
    """The eGov intake worker (``bolashak intake``): its commands on one connection, its
    dead letters and rounds in the system's database, its topics created when missing;
    ``consumer``/``producer``: given by tests (else the intake group's, and the
    dead-letter producer)."""
    from infra.intake.worker import IntakeWorker, new_intake_consumer  # imports kafka-python
    from infra.relay import broker

    kafka = settings.kafka
    broker.ensure_topics(kafka, [kafka.intake_topic, kafka.intake_dead_letter_topic])
    return IntakeWorker(
        build_service(settings, clock=clock, one_thread=True),
        consumer if consumer is not None else new_intake_consumer(kafka),
        producer if producer is not None else broker.new_producer(kafka),
        view_database(settings),
        kafka,
        clock,
    )


def build_consumer(settings: Settings, consumer: Any) -> CaseStatusConsumer:
    """The example consumer, over its own store (``BOLASHAK_CONSUMER_DATABASE_URL``,
    else the system's)."""
    return CaseStatusConsumer(consumer_store(settings), consumer)


def consumer_store(settings: Settings) -> ViewDatabase:
    """A connection to the example consumer's own store (``BOLASHAK_CONSUMER_DATABASE_URL``,
    else the system's): its work, and its health check."""
    store = settings.consumer_database or settings.database
    return ViewDatabase(view_config(store, settings.lock_timeout_seconds))


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
        "intake": ONE_THREAD_POOL + 1,  # commands, its dead letters and rounds
    }


# -- the API's users and keys ----------------------------------------------------------------


@contextmanager
def user_directory(settings: Settings, *, create: bool = False) -> Iterator[ViewDatabase]:
    """The user directory's database; ``create``: make the table first (development)."""
    if settings.database.kind == "memory":
        raise UserDirectoryError(
            f"{PREFIX}DATABASE_URL: the user directory needs PostgreSQL or SQLite, not memory:"
            " (the API does not run on the in-memory store)"
        )
    db = view_database(settings)
    try:
        if create:
            users.create_table(db)
        yield db
    finally:
        db.close()


def register_users(settings: Settings, registered: dict[str, Role]) -> None:
    """Registers users (id -> role) on a connection of its own (tests, benchmarks)."""
    with user_directory(settings) as db:
        for user_id, role in registered.items():
            users.add(db, user_id, role)


def jwt_secret(settings: Settings, *, production: bool) -> str:
    """``BOLASHAK_JWT_SECRET``: required in production; in development, when unset, a
    random key created once under ``var/`` (so that ``bolashak token`` and ``bolashak
    serve`` agree)."""
    if settings.jwt_secret:
        return settings.jwt_secret
    if production:
        raise SettingsError(f"{PREFIX}JWT_SECRET is required in production mode")
    return secret_file(JWT_DEV_KEY_FILE, lambda: secrets.token_urlsafe(48))
