"""Background work in the same process: for the embedded SQLite default (``make run``).

On PostgreSQL the same loops run as their own processes (``bolashak projections run``,
``bolashak deadlines run``). Built by ``infra.container.build_in_process_workers``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from infra.audit import checkpoints
from infra.deadline_job import DeadlineJob
from infra.log_follower import follow_projections
from infra.observability.workers import ProjectionWatch
from projections.engine import ProjectionEngine


class InProcessWorkers:
    """The projection follower, the deadline job and the audit checkpoints, on daemon
    threads."""

    def __init__(
        self,
        engine: ProjectionEngine,
        job: DeadlineJob,
        listen_dsn: str | None = None,
        *,
        deadline_interval: float = 60.0,
        idle_wait: float = 0.2,
        checkpoint_interval: float = 300.0,
    ) -> None:
        self.engine = engine
        self.job = job
        self.stop_event = threading.Event()
        watch = ProjectionWatch(engine)  # batches at debug, the status for /metrics
        self._threads = [
            self._thread(
                "projections",
                lambda: follow_projections(
                    self.engine, self.stop_event, listen_dsn, idle_wait, after_batch=watch
                ),
            ),
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
