"""Tells subscriptions when the event log grows: one poll of the log's head for everyone."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from api.context import Services

log = logging.getLogger(__name__)


class LogWatcher:
    def __init__(self, services: Services, interval: float = 0.25) -> None:
        self.services = services
        self.interval = interval
        self.head = 0
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._poll())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def next_change(self, seen: int) -> int:
        """Waits until the head of the log is past ``seen``; returns the new head."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.head > seen)
            return self.head

    async def _poll(self) -> None:
        while True:
            try:
                head = await self.services.views.run(lambda db: db.log_head())
            except Exception:  # an outage: keep the subscriptions waiting, try again
                log.warning("could not read the head of the event log", exc_info=True)
                head = self.head
            if head > self.head:
                async with self._changed:
                    self.head = head
                    self._changed.notify_all()
            await asyncio.sleep(self.interval)
