"""Following the event store's log: the loop of every worker that reads it (the read
models, the relay), woken by the store's NOTIFY on PostgreSQL and polling elsewhere, that
waits out database and broker outages (``infra/retrying.py``)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg

from infra.retrying import until_stopped
from projections.engine import ProjectionEngine

log = logging.getLogger(__name__)


class LogWaiter:
    """Waits for new events: LISTEN/NOTIFY on PostgreSQL, a short sleep otherwise."""

    def __init__(self, listen_dsn: str | None, events_table: str) -> None:
        self._dsn = listen_dsn
        self._channel = events_table.replace(".", "_")  # the library notifies on its name
        self._conn: psycopg.Connection[Any] | None = None

    def wait(self, stop: threading.Event, timeout: float) -> None:
        if self._dsn is None:
            stop.wait(timeout)
            return
        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(self._dsn, autocommit=True)
                self._conn.execute(f"LISTEN {self._channel}")
            for _ in self._conn.notifies(timeout=timeout, stop_after=1):
                pass
        except psycopg.Error:
            self.close()
            time.sleep(timeout)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def follow_log(
    step: Callable[[], int],
    stop: threading.Event,
    waiter: LogWaiter,
    *,
    idle_wait: float,
    first_wait: float,
    on_failure: Callable[[BaseException, float], None],
    after_step: Callable[[], None] | None = None,
) -> None:
    """Runs ``step`` (what it did: 0 when the log had nothing new) until ``stop`` is set,
    retrying it after a failure (``until_stopped``, from ``first_wait``); waits for new
    events when it did nothing."""
    try:
        while not stop.is_set():
            done = until_stopped(step, stop, first_wait=first_wait, on_failure=on_failure)
            if done is None:  # stopped while retrying
                return
            if after_step is not None:
                after_step()
            if done == 0:
                waiter.wait(stop, idle_wait)
    finally:
        waiter.close()


def follow_projections(
    engine: ProjectionEngine,
    stop: threading.Event,
    listen_dsn: str | None,
    idle_wait: float = 0.5,
    *,
    after_batch: Callable[[int], None] | None = None,
) -> None:
    """Keeps the engine's read models up to date until ``stop`` is set; survives database
    outages by retrying. ``after_batch`` is told what each batch consumed (metrics, logs)."""

    def report(error: BaseException, wait: float) -> None:
        log.error("projection batch failed; retrying in %.1fs", wait, exc_info=error)

    waiter = LogWaiter(listen_dsn, engine.db.events_table)

    def step() -> int:
        done = engine.run_once()
        if after_batch is not None:
            after_batch(done)
        return done

    follow_log(
        step,
        stop,
        waiter,
        idle_wait=idle_wait,
        first_wait=idle_wait,
        on_failure=report,
    )
