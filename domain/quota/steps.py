"""What a command does to its campaign's quota ledger, beside its case's transition.

The registry (``domain/registry.py``) names a command's step here; the command handler
(``domain/service.py``) loads the ledger of the case's campaign, applies the step after
the case's transition, and saves the case and the ledger in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.case.application import Application
from domain.case.meta import EventMeta
from domain.quota.ledger import QuotaLedger

Apply = Callable[[Application, QuotaLedger, EventMeta], None]


@dataclass(frozen=True)
class QuotaStep:
    """``apply`` the step to the ledger; ``opens``: a campaign without a ledger gets one
    (an award), otherwise there is nothing to do (a return with no place taken)."""

    apply: Apply
    opens: bool = False


def _reserve(case: Application, ledger: QuotaLedger, meta: EventMeta) -> None:
    ledger.reserve(meta, case.id, case.plan.category.value, case.protocol_number)


def _reserve_beyond(case: Application, ledger: QuotaLedger, meta: EventMeta) -> None:
    category = case.plan.category.value
    ledger.reserve(meta, case.id, category, case.protocol_number, beyond_places=True)


def _give_back(case: Application, ledger: QuotaLedger, meta: EventMeta) -> None:
    ledger.give_back(meta, case.id)


RESERVE = QuotaStep(_reserve, opens=True)
RESERVE_BEYOND_PLACES = QuotaStep(_reserve_beyond, opens=True)
# A revocation, or a declined award (``withdraw`` while the case is awarded): the place
# comes back; a withdrawal before any award holds no place and changes nothing.
GIVE_BACK = QuotaStep(_give_back)
