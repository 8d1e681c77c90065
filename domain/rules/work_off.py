"""The work-off obligation after return (ruleset work-off-2023, seed 001).

Academic study: 5 years in Astana, Almaty or Shymkent, 3 years in the regions; internship
and the rural, engineering-technical and medical master's: at least 3 years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.programme import Category, Programme
from domain.rules import catalog

KIND = "work_off"


@dataclass(frozen=True)
class WorkOffTerm:
    ruleset_id: str
    years: int
    in_city_of_republican_significance: bool

    def ends_on(self, start: date) -> date:
        """The day the obligation is fulfilled: the same calendar day ``years`` later."""
        try:
            return start.replace(year=start.year + self.years)
        except ValueError:  # 29 February
            return start.replace(year=start.year + self.years, day=28)


def work_off_term(
    programme: Programme, category: Category, location: str, awarded_on: date
) -> WorkOffTerm:
    """The term for a scholar working off in ``location`` (a city or region name)."""
    ruleset = catalog.newest_in_force(KIND, awarded_on)
    cities = {c.casefold() for c in ruleset.data["cities_of_republican_significance"]}
    in_city = location.strip().casefold() in cities
    for row in ruleset.data["terms"]:
        if programme.value not in row["programmes"]:
            continue
        if row.get("categories") and category.value not in row["categories"]:
            continue
        years = row["years_in_cities"] if in_city else row["years_in_regions"]
        return WorkOffTerm(ruleset.id, int(years), in_city)
    raise LookupError(f"no work-off term for {programme.value}/{category.value}")
