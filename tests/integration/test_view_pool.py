"""The API's read threads: results, errors and abandoned waits reach the right place."""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable

import pytest

from api.view_pool import ViewPool, WorkerThreads
from infra.container import query_connection
from infra.settings import Settings
from projections.sql import ViewDatabase


def read_connections(settings: Settings) -> Callable[[], ViewDatabase]:
    """Opens the API's read connections over the embedded store's log."""
    return functools.partial(query_connection, settings, "stored_events")


def test_a_read_returns_its_result_and_runs_off_the_event_loop(
    sqlite_settings: Settings,
) -> None:
    pool = ViewPool(read_connections(sqlite_settings), 2)

    async def main() -> tuple[int, bool]:
        loop_thread = threading.get_ident()
        head = await pool.run(lambda db: db.log_head())
        elsewhere = await pool.run(lambda _: threading.get_ident() != loop_thread)
        return head, elsewhere

    try:
        assert asyncio.run(main()) == (0, True)
    finally:
        pool.close()


def test_an_error_in_a_read_is_raised_to_its_caller_and_the_thread_serves_on(
    sqlite_settings: Settings,
) -> None:
    pool = ViewPool(read_connections(sqlite_settings), 1)

    def broken(_: ViewDatabase) -> int:
        raise LookupError("no such page")

    async def main() -> int:
        with pytest.raises(LookupError, match="no such page"):
            await pool.run(broken)
        return await pool.run(lambda db: db.log_head())

    try:
        assert asyncio.run(main()) == 0
    finally:
        pool.close()


def test_a_wait_given_up_does_not_stop_the_thread(sqlite_settings: Settings) -> None:
    pool = ViewPool(read_connections(sqlite_settings), 1)
    release = threading.Event()

    async def main() -> int:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await pool.run(lambda _: release.wait(10))
        release.set()
        return await pool.run(lambda db: db.log_head())

    try:
        assert asyncio.run(main()) == 0
    finally:
        pool.close()


def test_a_job_given_up_before_a_thread_takes_it_is_never_run() -> None:
    """A command that timed out while queued behind another is not stored later, out of
    sight of the request that was answered 503 (``WorkerThreads``, the command threads'
    pool, resource-free)."""
    threads: WorkerThreads[None] = WorkerThreads(
        1, "test-worker", lambda: None, lambda _: None, what="test workers"
    )
    release = threading.Event()
    ran: list[str] = []

    async def main() -> None:
        busy = threads.submit(lambda _: release.wait(10))
        queued = threads.submit(lambda _: ran.append("queued"))
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await queued
        release.set()
        await busy
        await threads.submit(lambda _: ran.append("after"))

    try:
        asyncio.run(main())
    finally:
        threads.close()
    assert ran == ["after"]
