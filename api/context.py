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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from api.auth import Principal, TokenKeys
from domain.clock import Clock
from domain.service import CaseService
from infra.settings import Settings
from projections.engine import ProjectionEngine, ProjectionStatus
from projections.sql import ViewDatabase

if TYPE_CHECKING:
    from api.users import ActiveUsers

T = TypeVar("T")


class ViewPool:
    """Read-model connections, each owned by a worker thread of its own.

    Lighter than ``loop.run_in_executor``: no ``concurrent.futures.Future`` (and its lock
    and condition) per query; a thread sets the asyncio future's result on the loop."""

    def __init__(self, settings: Settings, events_table: str, size: int) -> None:
        self.size = size
        self._work: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(
                target=self._serve,
                args=(ViewDatabase(settings, events_table),),
                name=f"bolashak-read-{n}",
                daemon=True,
            )
            for n in range(size)
        ]
        for thread in self._threads:
            thread.start()

    async def run(self, work: Callable[[ViewDatabase], T]) -> T:
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
        default_factory=lambda: ThreadPoolExecutor(8, thread_name_prefix="bolashak-cmd")
    )
    _status_lock: threading.Lock = field(default_factory=threading.Lock)

    async def admit(self, authorization: str | None) -> Principal:
        """The caller of an ``Authorization`` header: its token verified, then its user
        found active in the directory with the token's role (HTTP requests, websocket
        connections and their running subscriptions alike). Raises ``AuthError`` or
        ``DirectoryUnavailableError``."""
        return await self.users.admit(self.keys.principal_from_header(authorization))

    async def command(self, work: Callable[[], T]) -> T:
        """Runs a command (blocking: it saves to the event store) on a command thread."""
        return await asyncio.get_running_loop().run_in_executor(self._commands, work)

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
