"""What every resolver can reach: the caller, the services, and threads for blocking work.

Database work is blocking (psycopg, sqlite3), so resolvers hand it to a thread pool with
a connection per thread: the event loop never waits on the database.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from api.auth import Principal, TokenKeys
from domain.clock import Clock
from domain.service import CaseService
from infra.settings import Settings
from projections.engine import ProjectionEngine, ProjectionStatus
from projections.sql import ViewDatabase

T = TypeVar("T")


class ViewPool:
    """Read-model connections, one per worker thread."""

    def __init__(self, settings: Settings, events_table: str, size: int) -> None:
        self._free: queue.SimpleQueue[ViewDatabase] = queue.SimpleQueue()
        for _ in range(size):
            self._free.put(ViewDatabase(settings, events_table))
        self.size = size
        self._executor = ThreadPoolExecutor(size, thread_name_prefix="bolashak-read")

    async def run(self, work: Callable[[ViewDatabase], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._with_connection, work)

    def _with_connection(self, work: Callable[[ViewDatabase], T]) -> T:
        db = self._free.get()
        try:
            return work(db)
        finally:
            self._free.put(db)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        while not self._free.empty():
            self._free.get().close()


@dataclass
class Services:
    settings: Settings
    service: CaseService
    views: ViewPool
    keys: TokenKeys
    clock: Clock
    engine: ProjectionEngine  # for status only (its own connection)
    production: bool = False
    watcher: Any = None  # api.watch.LogWatcher, set when the app starts
    _commands: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(4, thread_name_prefix="bolashak-cmd")
    )
    _status_lock: threading.Lock = field(default_factory=threading.Lock)

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
    request_id: str = ""
    connection_params: dict[str, Any] | None = None

    @property
    def caller(self) -> Principal:
        if self.principal is None:
            raise PermissionError("not authenticated")
        return self.principal
