"""The catalogue of rulesets: every TOML file under ``domain/rules/data``.

The files ship inside the package and are read once, at first use; they are constants
of the code, not runtime input. A ruleset is never edited in place once cases were
decided with it: a change of the regulations is a new file with a new id.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from domain.rules.ruleset import Ruleset, Source


class UnknownRulesetError(LookupError):
    def __init__(self, ruleset_id: str) -> None:
        super().__init__(f"no ruleset with id {ruleset_id!r}")


class NoRulesetInForceError(LookupError):
    def __init__(self, kind: str, day: date) -> None:
        super().__init__(f"no {kind} ruleset is in force on {day.isoformat()}")


def parse_ruleset(raw: dict[str, Any]) -> Ruleset:
    """A ruleset from its TOML table; a ``policy`` marker that is not true/false, or policy
    without notes saying what was decided and why, is refused (ValueError naming where)."""
    header = {"id", "kind", "title", "sources", "effective_from", "effective_to"}
    header |= {"supersedes", "notes", "policy"}
    _check_policy_markers(raw, raw.get("id", "?"))
    return Ruleset(
        id=raw["id"],
        kind=raw["kind"],
        title=raw["title"],
        sources=tuple(_source(s) for s in raw["sources"]),
        effective_from=raw.get("effective_from"),
        effective_to=raw.get("effective_to"),
        supersedes=tuple(raw.get("supersedes", ())),
        notes=raw.get("notes", ""),
        policy=raw.get("policy", False),
        data={k: v for k, v in raw.items() if k not in header},
    )


def _check_policy_markers(table: Any, where: str) -> None:
    if isinstance(table, list):
        for i, item in enumerate(table):
            _check_policy_markers(item, f"{where}[{i}]")
        return
    if not isinstance(table, dict):
        return
    marker = table.get("policy", False)
    if not isinstance(marker, bool):
        raise ValueError(f"{where}: policy must be true or false, got {marker!r}")
    if marker and not str(table.get("notes", "")).strip():
        raise ValueError(f"{where}: policy = true needs notes saying what was decided and why")
    for key, item in table.items():
        if isinstance(item, dict | list):
            _check_policy_markers(item, f"{where}.{key}")


def _source(raw: dict[str, Any]) -> Source:
    return Source(**{**raw, "keywords": tuple(raw.get("keywords", ()))})


@cache
def all_rulesets() -> dict[str, Ruleset]:
    found: dict[str, Ruleset] = {}
    folder = resources.files("domain.rules") / "data"
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".toml"):
            continue
        ruleset = parse_ruleset(tomllib.loads(item.read_text(encoding="utf-8")))
        if ruleset.id in found:
            raise ValueError(f"duplicate ruleset id {ruleset.id!r} in {item.name}")
        found[ruleset.id] = ruleset
    return found


def get(ruleset_id: str) -> Ruleset:
    try:
        return all_rulesets()[ruleset_id]
    except KeyError:
        raise UnknownRulesetError(ruleset_id) from None


def of_kind(kind: str) -> list[Ruleset]:
    return [r for r in all_rulesets().values() if r.kind == kind]


def in_force(kind: str, day: date) -> list[Ruleset]:
    """Rulesets of ``kind`` in force on ``day``, the newest (superseding) first.

    Every command asks it, for its own date: each answer is kept, for the catalog it was
    found in (a catalog replaced, as tests replace it, starts again)."""
    rulesets = all_rulesets()
    if _KEPT_FOR[0] is not rulesets:
        _KEPT.clear()
        _KEPT_FOR[0] = rulesets
    found = _KEPT.get((kind, day))
    if found is None:
        candidates = [r for r in of_kind(kind) if r.in_force_on(day)]
        if not candidates:
            raise NoRulesetInForceError(kind, day)
        found = _KEPT[(kind, day)] = tuple(_newest_first(candidates))
    return list(found)


_KEPT: dict[tuple[str, date], tuple[Ruleset, ...]] = {}  # in_force's answers
_KEPT_FOR: list[object] = [None]  # the catalog they were found in


def newest_in_force(kind: str, day: date) -> Ruleset:
    return in_force(kind, day)[0]


def _newest_first(rulesets: Iterable[Ruleset]) -> list[Ruleset]:
    """Superseding rulesets before the ones they supersede (transitively), then newest first.

    A ruleset without a date is placed by ``supersedes`` alone: the ones superseding it
    come before it, the ones it supersedes after it.
    """
    candidates = {r.id: r for r in rulesets}
    depth = {rid: _superseded_depth(rid, candidates) for rid in candidates}
    return sorted(
        candidates.values(),
        key=lambda r: (depth[r.id], -(r.effective_from or date.min).toordinal(), r.id),
    )


def _superseded_depth(ruleset_id: str, candidates: dict[str, Ruleset]) -> int:
    """Length of the longest chain of candidates superseding ``ruleset_id``."""
    above = [r.id for r in candidates.values() if ruleset_id in r.supersedes]
    return 1 + max((_superseded_depth(rid, candidates) for rid in above), default=-1)
