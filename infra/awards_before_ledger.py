"""The awards a store holds from before its campaigns' quota ledgers were opened: the cases
``CommandHandler.carry_over_awards`` (``domain/service.py``) gives a place on the ledger.

A store written by a version without the ledger has ``Awarded`` events and no ledger; the
first award after the upgrade would open one that counts none of them. The log is read
for award events only (the notification log's topic filter), page by page, so that the
scan of a large store shows its progress and holds one page at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.case import events as ev
from infra.case_store import CaseEvents

AWARD_TOPICS = (get_topic(ev.Awarded),)
PAGE = 5_000


def awarded_cases(store: CaseEvents, progress: Callable[[int], None] | None = None) -> list[UUID]:
    """Every case with a stored award, once each, in the order of their first award;
    ``progress`` is told how many were found after each page of the log."""
    found: dict[UUID, None] = {}
    start = 1
    while True:
        page = store.recorder.select_notifications(start=start, limit=PAGE, topics=AWARD_TOPICS)
        found.update(dict.fromkeys(UUID(str(n.originator_id)) for n in page))
        if progress is not None:
            progress(len(found))
        if len(page) < PAGE:
            return list(found)
        start = page[-1].id + 1
