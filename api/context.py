"""What every resolver can reach: the caller, the services, and threads for blocking work.

Database work is blocking (psycopg, sqlite3), so resolvers hand it to a thread pool with
a connection per thread: the event loop never waits on the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from api.auth import Principal, TokenKeys
from api.errors import BusyError
from domain.clock import Clock
from infra.case_store import CaseService
from infra.settings import POOL_WAIT_SECONDS, Settings
from projections.engine import ProjectionEngine, ProjectionStatus
from projections.sql import ViewDatabase

if TYPE_CHECKING:
    from api.users import ActiveUsers

T = TypeVar("T")


class ViewPool:
    """Read-model connections, each owned by a worker thread of its own.

    Lighter than ``loop.run_in_executor``: no ``concurrent.futures.Future`` (and its lock
    and condition) per query; a thread sets the asyncio future's result on the loop."""

    def __init__(self, connect: Callable[[], ViewDatabase], size: int) -> None:
        """``connect``: opens one read connection (``infra.container.query_connection``)."""
        self.size = size
        self._work: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._free = asyncio.Semaphore(size)  # a job waits for a thread, not in the queue
        self._threads = [
            threading.Thread(
                target=self._serve,
                args=(connect(),),
                name=f"bolashak-read-{n}",
                daemon=True,
            )
            for n in range(size)
        ]
        for thread in self._threads:
            thread.start()

    async def run(self, work: Callable[[ViewDatabase], T]) -> T:
        """Runs ``work`` on a read connection's thread, once one is free within
        ``POOL_WAIT_SECONDS``; else raises ``BusyError`` (answered 503)."""
        async with _within_wait(self._free, "read-model connections"):
            loop = asyncio.get_running_loop()
            future: asyncio.Future[T] = loop.create_future()
            self._work.put((work, loop, future))
            return await future

    def _serve(self, db: ViewDatabase) -> None:
        try:
            while (job := self._work.get()) is not None:
                work, loop, future = job
                try:
                    result, error = work(db), None
                except BaseException as e:  # handed to the waiting coroutine
                    result, error = None, e
                with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits
                    loop.call_soon_threadsafe(_settle, future, result, error)
        finally:
            db.close()

    def close(self) -> None:
        for _ in self._threads:
            self._work.put(None)
        for thread in self._threads:
            thread.join()


_Job = tuple[Callable[[ViewDatabase], Any], asyncio.AbstractEventLoop, "asyncio.Future[Any]"]
COMMAND_THREADS = 8  # per server process; each takes an event-store connection of the pool
COMMAND_SECONDS = 6  # after a command thread was free: within a request's 10 s, with the wait


@contextlib.asynccontextmanager
async def _within_wait(slots: asyncio.Semaphore, what: str) -> AsyncIterator[None]:
    """One of ``slots``, waited for at most ``POOL_WAIT_SECONDS`` (taken at once, without
    a timer, when one is free: the common case)."""
    if slots.locked():
        try:
            async with asyncio.timeout(POOL_WAIT_SECONDS):
                await slots.acquire()
        except TimeoutError:
            busy = f"every one of the {what} stayed busy for {POOL_WAIT_SECONDS}s"
            raise BusyError(busy) from None
    else:
        await slots.acquire()
    try:
        yield
    finally:
        slots.release()


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():  # the request timed out or its client left
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


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
    _commands: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(
            COMMAND_THREADS, thread_name_prefix="bolashak-cmd"
        )
    )
    _command_slots: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(COMMAND_THREADS)
    )
    _status_lock: threading.Lock = field(default_factory=threading.Lock)

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
        async with _within_wait(self._command_slots, "command threads"):
            running = asyncio.get_running_loop().run_in_executor(self._commands, work)
            try:
                async with asyncio.timeout(COMMAND_SECONDS):
                    return await running
            except TimeoutError:
                raise BusyError(f"the command took over {COMMAND_SECONDS}s") from None

    async def projection_status(self) -> list[ProjectionStatus]:
        def status() -> list[ProjectionStatus]:
            with self._status_lock:
                return self.engine.status()

        return await asyncio.get_running_loop().run_in_executor(self._commands, status)

    def close(self) -> None:
        self._commands.shutdown(wait=True)
        self.views.close()
        self.engine.db.close()
        self.service.close()


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
