"""What every resolver can reach: the caller, the services, and threads for blocking work.

Database work is blocking (psycopg, sqlite3), so resolvers hand it to a thread pool with
a connection per thread: the event loop never waits on the database.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from api.answers import CaseAnswers
from api.auth import Principal, TokenKeys
from api.errors import BusyError
from api.users import ActiveUsers
from api.view_pool import ViewPool, WorkerThreads
from domain.clock import Clock
from infra.audit.replay import LedgerCopies
from infra.case_store import CaseService
from infra.observability import tracing
from infra.settings import Settings
from projections.engine import ProjectionEngine, ProjectionStatus

T = TypeVar("T")
COMMAND_SECONDS = 6  # after a command thread was free: within a request's 10 s, with the wait


@dataclass
class Services:
    settings: Settings
    service: CaseService
    views: ViewPool
    keys: TokenKeys
    users: ActiveUsers
    clock: Clock
    engine: ProjectionEngine  # for status only (its own connection)
    production: bool = False
    watcher: Any = None  # api.watch.LogWatcher, set when the app starts
    answers: CaseAnswers = field(init=False)  # mutations' answers (api/answers.py)
    ledgers: LedgerCopies = field(default_factory=LedgerCopies)  # the quotas query's
    _commands: WorkerThreads[None] = field(init=False)
    _status_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        """One command thread per event-store connection of the pool
        (``BOLASHAK_POOL_SIZE``): a command holds one connection while it runs, so a thread
        more would only wait for a connection inside the pool, where no request sees
        the wait; a command beyond them waits for a thread here, visibly, and is answered
        503 after ``POOL_WAIT_SECONDS``."""
        self.answers = CaseAnswers(self.service)
        threads = self.settings.pool_size
        self._commands = WorkerThreads(
            threads, "bolashak-cmd", _nothing, _nothing, what="command threads"
        )

    async def admit(self, authorization: str | None) -> Principal:
        """The caller of an ``Authorization`` header: its token verified, then its user
        found active in the directory with the token's role (HTTP requests, websocket
        connections and their running subscriptions alike). Raises ``AuthError`` or
        ``DirectoryUnavailableError``."""
        return await self.users.admit(self.keys.principal_from_header(authorization))

    async def command(self, work: Callable[[], T]) -> T:
        """Runs a command (blocking: it saves to the event store) on a command thread, once
        one is free within ``POOL_WAIT_SECONDS``, and waits for it ``COMMAND_SECONDS`` at
        most; else raises ``BusyError`` (503, retry). A command still running then may
        yet be stored: a retry with its idempotency key replays it, never stores it twice.
        (Its own waits, for a pooled connection and the event table's lock, can add up
        to more than a request's 10 s.)"""
        async with self._commands.slot():
            if tracing.enabled():  # the command's span is the operation's child
                work = functools.partial(contextvars.copy_context().run, work)
            running = self._commands.submit(_ignoring(work))
            try:
                async with asyncio.timeout(COMMAND_SECONDS):
                    return await running
            except TimeoutError:
                raise BusyError(f"the command took over {COMMAND_SECONDS}s") from None

    async def projection_status(self) -> list[ProjectionStatus]:
        return await self.read_status(ProjectionEngine.status)

    async def read_status(self, work: Callable[[ProjectionEngine], T]) -> T:
        """``work`` over the status engine (its own read-model connection), one at a time,
        on a command thread (``projectionStatus``, ``systemStatus``)."""

        def status() -> T:
            with self._status_lock:
                return work(self.engine)

        return await self._commands.submit(_ignoring(status))

    def close(self) -> None:
        self._commands.close()
        self.views.close()
        self.engine.db.close()
        self.service.close()


def _nothing(_: None = None) -> None:
    """A command thread's resource, made and released: none (its connections are the event
    store's pool's)."""


def _ignoring(work: Callable[[], T]) -> Callable[[None], T]:
    return lambda _: work()


# When the running GraphQL operation began (set by ``GraphQLPipeline.execute``, per operation:
# a websocket connection's operations run as tasks of their own, each with its copy).
OPERATION_MOMENT: contextvars.ContextVar[datetime] = contextvars.ContextVar("operation_moment")


def operation_moment() -> datetime:
    """The "now" every field of the running operation shows (an audit export's time): one
    moment per operation, so that the same query run twice in it (the differential check of
    the fast executor) answers the same; the clock's now outside an operation."""
    return OPERATION_MOMENT.get(None) or datetime.now(UTC)


@dataclass
class Context:
    """Per request (or per websocket connection)."""

    services: Services
    principal: Principal | None = None
    request_id: str = ""  # the caller's X-Request-Id, or made when first needed
    connection_params: dict[str, Any] | None = None
    authorization: str | None = None  # a websocket's credentials, checked again while open

    def correlation_id(self) -> str:
        """The request's id, shared by all its commands (made on first use: most requests
        are reads, and a random UUID costs a system call)."""
        if not self.request_id:
            self.request_id = str(uuid.uuid4())
        return self.request_id

    @property
    def caller(self) -> Principal:
        if self.principal is None:
            raise PermissionError("not authenticated")
        return self.principal
