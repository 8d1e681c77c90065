"""Background work in the same process: for the embedded SQLite default (``make run``).

On PostgreSQL the same loops run as their own processes (``bolashak projections run``,
``bolashak deadlines run``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from domain.clock import Clock
from domain.service import CaseService
from infra.audit import checkpoints
from infra.bootstrap import build_projection_engine
from infra.deadline_job import DeadlineJob
from infra.settings import Settings


class InProcessWorkers:
    """The projection follower, the deadline job and the audit checkpoints, on daemon
    threads."""

    def __init__(
        self,
        settings: Settings,
        service: CaseService,
        clock: Clock,
        *,
        deadline_interval: float = 60.0,
        idle_wait: float = 0.2,
        checkpoint_interval: float = 300.0,
    ) -> None:
        self.engine = build_projection_engine(settings)
        self.job = DeadlineJob(service, self.engine.db, clock)
        self.stop_event = threading.Event()
        self._threads = [
            self._thread("projections", lambda: self.engine.follow(self.stop_event, idle_wait)),
            self._thread("deadlines", lambda: self.job.follow(self.stop_event, deadline_interval)),
            self._thread("checkpoints", lambda: self._seal(checkpoint_interval)),
        ]

    def _seal(self, interval: float) -> None:
        mapper = self.engine.reader.mapper
        checkpoints.follow(self.engine.db, mapper, self.stop_event, interval)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        for thread in self._threads:
            thread.join(timeout)
        self.engine.db.close()

    @staticmethod
    def _thread(name: str, target: Callable[[], None]) -> threading.Thread:
        return threading.Thread(target=target, name=f"bolashak-{name}", daemon=True)
