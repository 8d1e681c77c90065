"""The 90-calendar-day contract deadline and the security each programme requires.

Within 90 calendar days of the award the scholar signs the training contract and a security
contract, or loses the status (000 lines 36-45, 001 line 445). Day 90 is the last day on
which signing is on time; the status is lost from day 91.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from domain.programme import Category, Programme
from domain.rules import catalog

RULESET_ID = "contract-deadline"


class SecurityKind(Enum):
    REAL_ESTATE_PLEDGE = "real_estate_pledge"  # договор залога недвижимого имущества
    GUARANTEE = "guarantee"  # договор гарантии (гаранты)


@dataclass(frozen=True)
class SecurityRequirement:
    kind: SecurityKind
    guarantors: int

    def describe(self) -> str:
        if self.kind is SecurityKind.GUARANTEE:
            return f"a guarantee by {self.guarantors} guarantors"
        return "a pledge of real estate"


def contract_deadline(awarded_on: date) -> date:
    """The last day to sign: the 90th calendar day after the award."""
    days = int(catalog.get(RULESET_ID).data["days_from_award"])
    return awarded_on + timedelta(days=days)


def required_security(programme: Programme, category: Category) -> SecurityRequirement:
    """The most specific security row for the programme and category (rural: 5 guarantors)."""
    best: tuple[int, SecurityRequirement] | None = None
    for row in catalog.get(RULESET_ID).data["security"]:
        if programme.value not in row["programmes"]:
            continue
        categories = row.get("categories", [])
        if categories and category.value not in categories:
            continue
        rank = 1 if categories else 0
        if best is None or rank > best[0]:
            best = (rank, SecurityRequirement(SecurityKind(row["kind"]), row["guarantors"]))
    if best is None:
        raise LookupError(f"no security requirement for {programme.value}/{category.value}")
    return best[1]
