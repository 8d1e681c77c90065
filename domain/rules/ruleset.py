"""A ruleset: one version of one part of the regulations, as data, with its source."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Source:
    """Where a ruleset comes from: a seed file and the section (and lines) in it.

    ``keywords``: words of the seed that the cited lines contain (checked by the tests), for
    a citation whose section title and the ruleset's numbers are not on those lines.
    """

    seed: str
    section: str
    lines: str = ""
    keywords: tuple[str, ...] = ()

    def cite(self) -> str:
        where = f", lines {self.lines}" if self.lines else ""
        return f"{self.seed} § {self.section}{where}"


@dataclass(frozen=True)
class Ruleset:
    """Regulation data of one ``kind`` (e.g. ``language_thresholds``), valid for a period.

    ``supersedes`` lists rulesets this one replaces: when several rulesets of a kind are
    in force, the one that supersedes the others is tried first.
    """

    id: str
    kind: str
    title: str
    sources: tuple[Source, ...]
    effective_from: date | None = None
    effective_to: date | None = None
    supersedes: tuple[str, ...] = ()
    notes: str = ""
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def in_force_on(self, day: date) -> bool:
        starts = self.effective_from is None or self.effective_from <= day
        ends = self.effective_to is None or day <= self.effective_to
        return starts and ends

    def cite(self) -> str:
        return "; ".join(s.cite() for s in self.sources)
