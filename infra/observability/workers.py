"""What the workers that follow the log report as they go."""

from __future__ import annotations

import logging
import time

from infra.observability.metrics import PROJECTIONS
from projections.engine import ProjectionEngine

log = logging.getLogger("bolashak.projections")
STATUS_EVERY = 5.0  # seconds between readings of the projections' positions for /metrics


class ProjectionWatch:
    """Told after each batch of the projection worker: a debug line per batch, and the
    projections' status for ``/metrics`` at most every ``STATUS_EVERY`` seconds (read on
    the worker's own thread and connection)."""

    def __init__(self, engine: ProjectionEngine, every: float = STATUS_EVERY) -> None:
        self.engine = engine
        self.every = every
        self._last = float("-inf")

    def __call__(self, consumed: int) -> None:
        if consumed:
            log.debug("projection batch", extra={"events": consumed})
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            PROJECTIONS.update(self.engine.status())
