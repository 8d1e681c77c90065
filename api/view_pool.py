"""Read-model connections, each owned by a worker thread of its own, and the bounded wait
for a free one that every kind of worker slot shares (answered 503 when it runs out)."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from api.errors import BusyError
from infra.settings import POOL_WAIT_SECONDS
from projections.sql import ViewDatabase

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
        async with within_wait(self._free, "read-model connections"):
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


@contextlib.asynccontextmanager
async def within_wait(slots: asyncio.Semaphore, what: str) -> AsyncIterator[None]:
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
