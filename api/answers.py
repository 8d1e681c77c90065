"""A mutation's answer: the case as the case list shows it after the command (read-your-writes).

A new case's answer folds from the events its submission just stored. A later command's
answer folds its own events onto the answer this process gave the case's previous version,
when it holds that one: every event of the case is then accounted for, with no read. When it
does not (another process wrote the case meanwhile, its answer was forgotten, or the
command replayed an old key), every event of the case is read back, and the answer is
kept for the next command.

Erasure: each answer carries the identity its submission holds, None once the case records
``PersonalDataErased``. An erasure made by another process is an event of the case, so the
next command here finds a version it did not answer and reads the case back: a kept
identity is never shown past an erasure.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from api.types.cases import ApplicationView
from domain.case import events as ev
from domain.service import CommandResult
from infra.case_store import CaseEvents
from projections.case_list import CASE_LIST, CaseListProjection, identity_row
from projections.rows import MemoryRows, Row

# Cases whose last answer a process keeps: a command on one of the others reads its case back.
KEPT_ANSWERS = 20_000
_FOLD = CaseListProjection()  # no sealer: the identity is taken from the events


@dataclass(frozen=True)
class Answer:
    """A case's case-list row after ``version``, and its identity (None: none, or erased)."""

    version: int
    row: Row
    identity: Row | None

    def view(self) -> ApplicationView:
        shown = {column: self.row.get(column) for column in CASE_LIST.column_names}
        if self.identity is not None:
            shown.update(self.identity)
        return ApplicationView.from_row(shown)


def fold(application_id: UUID, events: Sequence[ev.CaseEvent], after: Answer | None) -> Answer:
    """The answer after ``events``, folded onto ``after`` (the answer to the version before
    the first of them; None: they are the case's first events)."""
    rows = MemoryRows()
    key = (str(application_id),)
    identity = None
    if after is not None:
        rows.tables[CASE_LIST.name][key] = dict(after.row)
        identity = after.identity
    for event in events:
        _FOLD.apply(rows, event, 0)
        if isinstance(event, ev.Submitted) and event.applicant is not None:
            identity = identity_row(event.applicant)
        elif isinstance(event, ev.PersonalDataErased):
            identity = None
    return Answer(events[-1].originator_version, rows.tables[CASE_LIST.name][key], identity)


def application_from_events(
    application_id: UUID, events: Sequence[ev.CaseEvent]
) -> ApplicationView | None:
    """The case-list view of a case after these events (its first ones, in order), with the
    identity its submission holds (None once erased)."""
    if not events:
        return None
    return fold(application_id, events, None).view()


def case_as_of(
    store: CaseEvents, application_id: UUID, version: int | None = None
) -> ApplicationView | None:
    """The case as the case list shows it, folded from every event of the case as stored.

    Every event is read, not only those up to ``version``: a replayed command answers with
    the case as of its own version, and when a later event erased the applicant's personal
    data, the identity stays blank in that answer too (this process may still hold the
    case's key, cached before another process destroyed it)."""
    answer = _read(store, application_id, version)
    return answer.view() if answer is not None else None


def _read(store: CaseEvents, application_id: UUID, version: int | None) -> Answer | None:
    events = ev.erasure_applied(store.events.get(application_id))  # type: ignore[arg-type]
    if version is not None:
        events = [e for e in events if e.originator_version <= version]
    return fold(application_id, events, None) if events else None


class CaseAnswers:
    """The last answer this process gave each of the most recent ``KEPT_ANSWERS`` cases."""

    def __init__(self, store: CaseEvents, kept: int = KEPT_ANSWERS) -> None:
        self.store = store
        self.kept = kept
        self._answers: OrderedDict[UUID, Answer] = OrderedDict()
        self._lock = threading.Lock()
        self.read_back = 0  # answers that read their case back (for tests and profiles)

    def after(self, result: CommandResult) -> ApplicationView | None:
        """The case after the command of ``result`` (blocking: it may read the case)."""
        case_id = result.application_id
        events, whole = result.events, result.whole_case
        before = None
        if events and whole is None:
            before = self._answer(case_id, events[0].originator_version - 1)
        if whole is not None or before is not None:
            answer: Answer | None = fold(case_id, events, before)
        else:  # a replay, or versions this process did not answer: read the case back
            self.read_back += 1
            answer = _read(self.store, case_id, result.version)
        if answer is None:
            return None
        self._keep(case_id, answer)
        return answer.view()

    def _answer(self, case_id: UUID, version: int) -> Answer | None:
        with self._lock:
            found = self._answers.get(case_id)
        return found if found is not None and found.version == version else None

    def _keep(self, case_id: UUID, answer: Answer) -> None:
        with self._lock:
            kept = self._answers.get(case_id)
            if kept is not None and kept.version >= answer.version:
                return  # a later command's answer got here first
            self._answers[case_id] = answer
            self._answers.move_to_end(case_id)
            while len(self._answers) > self.kept:
                self._answers.popitem(last=False)
