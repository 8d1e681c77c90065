"""The port the command service stores cases through (``domain/service.py``).

The service decides; the store loads and saves. Its one implementation is the event store
(``infra/case_store.py``, on the eventsourcing library); the domain knows it only by this
protocol, so nothing under ``domain/`` imports persistence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from domain.case.application import Application
from domain.case.events import CaseEvent
from domain.quota.ledger import QuotaLedger


class WriteConflictError(Exception):
    """Another writer stored a version of the case (or of the quota ledger saved with it)
    this save meant to store; nothing of this save was stored (decide again on the stored
    case and ledger)."""


@dataclass(frozen=True)
class Saved:
    """What one save stored: the case's events in order, and the log position of the last
    event stored (the ledger's, when one was saved with the case)."""

    events: tuple[CaseEvent, ...]
    notification_id: int | None


class CaseStore(Protocol):
    def held_case(self, application_id: UUID) -> Application | None:
        """This process's copy of the case, the caller's to change (it may lag behind
        another process's writes: saving it then conflicts); None when this process holds
        none. A store that keeps no copies answers with the stored case, or None."""
        ...

    def stored_case(self, application_id: UUID) -> Application:
        """The case as stored now, which becomes this process's copy; raises
        ``ApplicationNotFoundError`` when there is no such case."""
        ...

    def save_case(self, case: Application, ledger: QuotaLedger | None = None) -> Saved:
        """Stores the case's new events, and the quota ledger's when given, in one
        transaction; raises ``WriteConflictError`` when one of their versions is taken
        (each aggregate's versions are checked: a ledger another award moved meanwhile
        conflicts as a case would)."""
        ...

    def save_ledger(self, ledger: QuotaLedger) -> None:
        """Stores the quota ledger's new events on their own (an operator's step, no case
        changed); raises ``WriteConflictError`` when one of their versions is taken."""
        ...

    def held_ledger(self, year: int) -> QuotaLedger | None:
        """This process's copy of the campaign's quota ledger, the caller's to change (it
        may lag behind: saving it then conflicts); None when this process holds none."""
        ...

    def stored_ledger(self, year: int) -> QuotaLedger | None:
        """The campaign's quota ledger as stored now; None when it was never opened."""
        ...

    def destroy_personal_data(self, application_id: UUID) -> None:
        """Destroys the key of the case's personal data (an erasure; no-op if gone)."""
        ...
