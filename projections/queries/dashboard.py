"""The dashboard of a campaign: its funnel (in all, per intake window and per category),
awards, pass rates, scores and the work the rules left to people, summed over the
dashboard's rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from projections.dashboard import DASHBOARD, DASHBOARD_PLACES, FUNNEL, SCORES, WORK
from projections.sql import ViewDatabase


@dataclass(frozen=True)
class Dashboard:
    campaign_year: int
    intake_window: int | None
    funnel: dict[str, int]
    awards_by_programme: dict[str, int]
    awards_by_category: dict[str, int]
    awards_target: int | None
    pass_rates: dict[str, float | None]
    average_scores: dict[str, float | None]
    average_final_score: float | None
    by_window: dict[int, dict[str, int]] = field(default_factory=dict)
    # the funnel of each category (its rows' value, "rural"), of the cases submitted in it
    by_category: dict[str, dict[str, int]] = field(default_factory=dict)
    # the work the rules left to people: late documents, referrals, officers' decisions,
    # control tests
    work: dict[str, int] = field(default_factory=dict)
    # the campaign's places as its quota ledger counts them (before its first award: the
    # target, nothing used)
    places: Places | None = None


@dataclass(frozen=True)
class Places:
    """A campaign's places: how many, reserved by awards, returned, in use now, left, and
    awards beyond them."""

    places: int
    reserved: int = 0
    returned: int = 0
    overrides: int = 0

    @property
    def used(self) -> int:
        return self.reserved - self.returned

    @property
    def available(self) -> int:
        return max(self.places - self.used, 0)


def dashboard(
    db: ViewDatabase, year: int, window: int | None = None, awards_target: int | None = None
) -> Dashboard:
    """The funnel of a campaign (and intake window): sums over the dashboard's rows, one
    per window, programme and category, added up column by column."""
    clauses, params = ["campaign_year = %s"], [year]
    if window is not None:
        clauses.append("intake_window = %s")
        params.append(window)
    sums = (*FUNNEL, "interview_sheets", *SCORES, "final_score_sum", "final_scores", *WORK)
    selected = ["intake_window", "programme", "category", *(f"COALESCE({c}, 0)" for c in sums)]
    rows = db.query(
        f"SELECT {', '.join(selected)} FROM {DASHBOARD.name} WHERE {' AND '.join(clauses)}",
        params,
    )
    total = _column_sums(rows, sums)
    funnel = {k: int(total[k]) for k in FUNNEL}
    awarded = 3 + FUNNEL.index("awarded")
    return Dashboard(
        campaign_year=year,
        intake_window=window,
        funnel=funnel,
        awards_by_programme=_sum_by(rows, 1, awarded),
        awards_by_category=_sum_by(rows, 2, awarded),
        awards_target=awards_target,
        pass_rates={
            "eligible_of_assessed": _ratio(funnel["eligible"], funnel["assessed"]),
            "interviewed_of_tested": _ratio(funnel["interviewed"], funnel["tested"]),
            "awarded_of_decided": _ratio(funnel["awarded"], funnel["awarded"] + funnel["refused"]),
            "contracted_of_awarded": _ratio(funnel["contracted"], funnel["awarded"]),
        },
        average_scores={
            s.removeprefix("score_"): _ratio(total[s], total["interview_sheets"]) for s in SCORES
        },
        average_final_score=_ratio(total["final_score_sum"], total["final_scores"]),
        by_window={int(w): f for w, f in _funnels_by(rows, 0).items()},
        by_category=_funnels_by(rows, 2),
        work={k: int(total[k]) for k in WORK},
        places=places_of(db, year, awards_target),
    )


def places_of(db: ViewDatabase, year: int, awards_target: int | None) -> Places | None:
    """The campaign's places from its quota ledger's row; before its first award, the
    target with nothing used (None when no target is known either)."""
    found = db.query(
        f"SELECT places, reserved, returned, overrides FROM {DASHBOARD_PLACES.name}"
        " WHERE campaign_year = %s",
        [year],
    )
    if not found:
        return None if awards_target is None else Places(awards_target)
    places, reserved, returned, overrides = found[0]
    return Places(int(places), int(reserved), int(returned), int(overrides))


def _column_sums(rows: list[tuple[Any, ...]], names: tuple[str, ...]) -> dict[str, float]:
    """Sums of the columns after the three dimensions, by name (zeros for no rows)."""
    if not rows:
        return dict.fromkeys(names, 0)
    columns = list(zip(*rows, strict=True))[3 : 3 + len(names)]
    return {name: sum(column) for name, column in zip(names, columns, strict=True)}


def _funnels_by(rows: list[tuple[Any, ...]], dimension: int) -> dict[Any, dict[str, int]]:
    """The funnel of each value of one dimension (0: the intake window, 2: the category),
    summed over its rows, in the values' order."""
    groups: dict[Any, list[tuple[Any, ...]]] = {}
    for r in rows:
        groups.setdefault(r[dimension], []).append(r)
    return {
        value: {k: int(v) for k, v in _column_sums(groups[value], FUNNEL).items()}
        for value in sorted(groups)
    }


def _sum_by(rows: list[tuple[Any, ...]], dimension: int, column: int) -> dict[str, int]:
    totals: dict[str, int] = {}
    for r in rows:
        totals[r[dimension]] = totals.get(r[dimension], 0) + int(r[column])
    return {k: v for k, v in sorted(totals.items()) if v}


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None
