"""The clock the domain asks for "today": passed in, so deadlines are testable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

ASTANA = ZoneInfo("Asia/Almaty")  # Kazakhstan's single time zone (UTC+5) since March 2024


class Clock(Protocol):
    def today(self) -> date: ...


class SystemClock:
    """Today's date in Astana."""

    def today(self) -> date:
        return datetime.now(UTC).astimezone(ASTANA).date()


@dataclass
class FixedClock:
    """A clock for tests and simulations: it says what it is told."""

    day: date

    def today(self) -> date:
        return self.day

    def advance(self, days: int) -> None:
        self.day += timedelta(days=days)
