"""Worker threads for blocking work, each owning its resource (a read-model connection,
or none for the command threads), and the bounded wait for a free one that every kind of
worker slot shares (answered 503 when it runs out)."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any, Generic, TypeVar

from api.errors import BusyError
from infra.settings import POOL_WAIT_SECONDS
from projections.sql import ViewDatabase

T = TypeVar("T")
R = TypeVar("R")


class WorkerThreads(Generic[R]):
    """Threads taking jobs from one queue, each with a resource of its own (``own()``, made
    for each thread as the pool is made, ``release``d when the thread ends); a job's
    result, or its error, is set on the caller's event loop. A request takes one of the
    threads' slots (``slot``) before it queues a job: it then waits visibly for a free
    thread, answered 503 after ``POOL_WAIT_SECONDS``, not unseen in the queue.

    Lighter than ``loop.run_in_executor``: no ``concurrent.futures.Future`` (and its lock
    and condition) per job, and no chaining of that future to the loop's: a thread sets the
    asyncio future's result itself."""

    def __init__(
        self,
        size: int,
        name: str,
        own: Callable[[], R],
        release: Callable[[R], None],
        *,
        what: str,
    ) -> None:
        """``what``: the threads as a 503's message names them ("command threads")."""
        self.size = size
        self.what = what
        self._release = release
        self._free = asyncio.Semaphore(size)  # one per thread: a request waits for one
        self._work: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._serve, args=(own(),), name=f"{name}-{n}", daemon=True)
            for n in range(size)
        ]
        for thread in self._threads:
            thread.start()

    def slot(self) -> contextlib.AbstractAsyncContextManager[None]:
        """One of the threads' slots, waited for within ``POOL_WAIT_SECONDS``; else
        ``BusyError`` (answered 503)."""
        return within_wait(self._free, self.what)

    def free_slots(self) -> int:
        """The slots no request holds now."""
        return self._free._value

    def submit(self, work: Callable[[R], T]) -> asyncio.Future[T]:
        """``work`` queued for the next free thread (called on the event loop); its future.
        A job whose future is cancelled before a thread takes it is not run; one already
        running runs to its end."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._work.put((work, loop, future))
        return future

    def _serve(self, resource: R) -> None:
        try:
            while (job := self._work.get()) is not None:
                work, loop, future = job
                if future.cancelled():  # its caller stopped waiting before it started
                    continue
                try:
                    result, error = work(resource), None
                except BaseException as e:  # handed to the waiting coroutine
                    result, error = None, e
                with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits
                    loop.call_soon_threadsafe(_settle, future, result, error)
        finally:
            self._release(resource)

    def close(self) -> None:
        """Ends every thread once the jobs queued before are done (and waits for them)."""
        for _ in self._threads:
            self._work.put(None)
        for thread in self._threads:
            thread.join()


class ViewPool(WorkerThreads[ViewDatabase]):
    """Read-model connections, each owned by a worker thread of its own."""

    def __init__(self, connect: Callable[[], ViewDatabase], size: int) -> None:
        """``connect``: opens one read connection (``infra.container.query_connection``)."""
        super().__init__(
            size, "bolashak-read", connect, ViewDatabase.close, what="read-model connections"
        )

    async def run(self, work: Callable[[ViewDatabase], T]) -> T:
        """Runs ``work`` on a read connection's thread, once one is free within
        ``POOL_WAIT_SECONDS``; else raises ``BusyError`` (answered 503)."""
        async with self.slot():
            return await self.submit(work)


_Job = tuple[Callable[[Any], Any], asyncio.AbstractEventLoop, "asyncio.Future[Any]"]


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
