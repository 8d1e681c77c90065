"""A ruleset: one version of one part of the regulations, as data, with its source."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from functools import cached_property
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


class RulesetStatus(Enum):
    """Where a ruleset stands on a day, by its effective period."""

    IN_FORCE = "in force"
    HISTORY = "history"  # its period ended before the day
    NOT_YET = "not yet"  # its period starts after the day


@dataclass(frozen=True)
class Ruleset:
    """Regulation data of one ``kind`` (e.g. ``language_thresholds``), valid for a period.

    ``supersedes`` lists rulesets this one replaces: when several rulesets of a kind are
    in force, the one that supersedes the others is tried first.

    ``policy``: the whole ruleset is CIP policy, a rule the seeds do not state and the
    project decides (its ``notes`` say what the seeds leave open and what was decided). A
    single row or block of a ruleset may be policy instead (``policy = true`` in that table,
    with its own ``notes``): see ``policy_rows`` and ``has_policy``.
    """

    id: str
    kind: str
    title: str
    sources: tuple[Source, ...]
    effective_from: date | None = None
    effective_to: date | None = None
    supersedes: tuple[str, ...] = ()
    notes: str = ""
    policy: bool = False
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def in_force_on(self, day: date) -> bool:
        return self.status_on(day) is RulesetStatus.IN_FORCE

    def status_on(self, day: date) -> RulesetStatus:
        if self.effective_from is not None and day < self.effective_from:
            return RulesetStatus.NOT_YET
        if self.effective_to is not None and day > self.effective_to:
            return RulesetStatus.HISTORY
        return RulesetStatus.IN_FORCE

    @cached_property
    def policy_rows(self) -> tuple[str, ...]:
        """Where the tables marked ``policy = true`` are, e.g. ``"rows[3] (lines 497-499)"``."""
        return tuple(_policy_tables(self.data, ""))

    @property
    def has_policy(self) -> bool:
        """The ruleset is CIP policy, or holds policy rows: what ``rules list --policy``
        and the ``rulesets(policy: true)`` query list."""
        return self.policy or bool(self.policy_rows)

    def cite(self) -> str:
        return "; ".join(s.cite() for s in self.sources)


def _policy_tables(value: Any, where: str) -> Iterator[str]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from _policy_tables(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        if value.get("policy") is True:
            lines = value.get("source_lines")
            yield f"{where} (lines {lines})" if lines else where
        for key, item in value.items():
            yield from _policy_tables(item, f"{where}.{key}" if where else key)
