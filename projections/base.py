"""What a projection is: a name, its tables, the events it handles, and one fold step.

``apply`` must depend only on the rows it reads and the event (and its position in the
log), never on the clock or on other state, so that a rebuild from the start gives the
same rows as incremental processing.
"""

from __future__ import annotations

import gc
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.case.events import CaseEvent
from domain.quota.events import LedgerEvent
from projections.rows import Key, Rows
from projections.schema import Table

_TEXTS: dict[int, str] = {}  # a case id's 128-bit number -> its text
_TEXTS_MAX = 1 << 16


def case_key(event: CaseEvent) -> str:
    """The case's id as the read models store it (text; cached: every step asks for it,
    keyed by the id's integer, whose hash is native where a UUID's is Python code)."""
    case_id: UUID = event.originator_id
    number = case_id.int
    text = _TEXTS.get(number)
    if text is None:
        if len(_TEXTS) >= _TEXTS_MAX:
            _TEXTS.clear()
        text = _TEXTS[number] = str(case_id)
    return text


class Projection(ABC):
    name: str
    version: int = 1  # bump when the fold changes: the projection must be rebuilt
    tables: tuple[Table, ...]
    # the events it folds: the cases', and for a read model of the campaigns' places, the
    # quota ledgers' (domain/quota/events.py)
    handles: tuple[type[CaseEvent] | type[LedgerEvent], ...]

    def topics(self) -> frozenset[str]:
        return frozenset(get_topic(t) for t in self.handles)

    @abstractmethod
    def keys(self, event: CaseEvent) -> Iterable[tuple[Table, Key]]:
        """The rows ``apply`` will read for this event (loaded in bulk before the batch)."""

    @abstractmethod
    def apply(self, rows: Rows, event: CaseEvent, position: int) -> None:
        """One fold step: change the rows for one event at ``position`` in the log."""


def fold(projection: Projection, events: Iterable[tuple[int, CaseEvent]], rows: Rows) -> None:
    """The plain fold: every event in log order, through the projection's step."""
    topics = projection.topics()
    for position, event in events:
        if get_topic(type(event)) in topics:
            projection.apply(rows, event, position)


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Pauses Python's cyclic garbage collector while a batch is decoded and folded.

    A batch allocates many short-lived objects, none in reference cycles; the collector
    would otherwise run every few hundred allocations and scan every live object (a
    rebuild keeps its rows in memory), which doubled the cost of a batch.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
