"""Tells subscriptions when the event log grows: one poll of the log's head for everyone.

Whenever the head moves, the cases erased meanwhile (``PersonalDataErased`` in the new
part of the log, which may have been stored by any process) have their data keys dropped
from this process's cache: no answer depends on that cache (reads open identities with
the key as stored, histories and replays apply erasures), and a key of an erased case is
not kept in memory either.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from eventsourcing.utils import get_topic

from api.context import Services
from domain.case.events import PersonalDataErased

log = logging.getLogger(__name__)
ERASED = get_topic(PersonalDataErased)


class LogWatcher:
    def __init__(self, services: Services, interval: float = 0.25) -> None:
        self.services = services
        self.interval = interval
        self.head = 0
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Reads the head once, before the server takes any request (so every key this
        process caches is of a case the polls that follow see erased), then polls."""
        try:
            self.head = await self.services.views.run(lambda db: db.log_head())
        except Exception:  # an outage: the first poll reads the whole log for erasures
            log.warning("could not read the head of the event log", exc_info=True)
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
                if head > self.head:
                    await self._forget_erased(self.head, head)
            except Exception:  # an outage: keep the subscriptions waiting, try again
                log.warning("could not read the head of the event log", exc_info=True)
                head = self.head
            if head > self.head:
                async with self._changed:
                    self.head = head
                    self._changed.notify_all()
            await asyncio.sleep(self.interval)

    async def _forget_erased(self, after: int, upto: int) -> None:
        erased = await self.services.views.run(lambda db: db.cases_with(ERASED, after, upto))
        for case_id in erased:
            self.services.service.sealer.forget(case_id)
