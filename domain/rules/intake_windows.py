"""Intake windows: documents are accepted only inside a campaign's windows («Прием документов»,
001 lines 40-53).

A submission dated outside every window is refused. Both ends of a window are inclusive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.rules import catalog
from domain.rules.ruleset import Ruleset

KIND = "intake_windows"


@dataclass(frozen=True)
class IntakeWindow:
    ruleset_id: str
    campaign_year: int
    number: int
    opens: date
    closes: date

    def contains(self, day: date) -> bool:
        return self.opens <= day <= self.closes

    @property
    def label(self) -> str:
        return f"{self.campaign_year}-W{self.number}"


class OutsideIntakeWindowError(ValueError):
    def __init__(self, day: date, windows: list[IntakeWindow]) -> None:
        self.day = day
        listed = ", ".join(f"{w.opens:%d %b}-{w.closes:%d %b %Y}" for w in windows)
        super().__init__(
            f"{day.isoformat()} is outside every intake window"
            + (f" (open windows: {listed})" if listed else " (no campaign on record that year)")
        )


def windows_of(ruleset: Ruleset) -> list[IntakeWindow]:
    year = ruleset.data["campaign_year"]
    return [
        IntakeWindow(ruleset.id, year, w["number"], w["opens"], w["closes"])
        for w in ruleset.data["windows"]
    ]


def all_windows() -> list[IntakeWindow]:
    return [w for r in catalog.of_kind(KIND) for w in windows_of(r)]


def window_for(day: date) -> IntakeWindow:
    """The intake window that contains ``day``; refuses a day outside every window."""
    for window in all_windows():
        if window.contains(day):
            return window
    raise OutsideIntakeWindowError(day, [w for w in all_windows() if w.opens.year == day.year])


def annual_awards_target(year: int) -> int | None:
    """The campaign's number of scholarships (555 in 2023, 001 line 36), if on record."""
    for ruleset in catalog.of_kind(KIND):
        if ruleset.data["campaign_year"] == year:
            return int(ruleset.data["annual_awards_target"])
    return None
