"""Which cases a row of a regulation table applies to.

A row of the language tables names countries, programmes, categories, languages and
specialty directions; a list left out (or empty) in the TOML data means "any".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.programme import Category, Programme, StudyDirection, StudyLanguage


@dataclass(frozen=True)
class CaseProfile:
    """The facts of a case a table row is matched on."""

    country: str  # ISO 3166-1 alpha-2, e.g. "GB"
    programme: Programme
    category: Category
    language: StudyLanguage
    direction: StudyDirection


@dataclass(frozen=True)
class RowScope:
    countries: frozenset[str] = frozenset()
    programmes: frozenset[Programme] = frozenset()
    categories: frozenset[Category] = frozenset()
    languages: frozenset[StudyLanguage] = frozenset()
    directions: frozenset[StudyDirection] = frozenset()

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> RowScope:
        return cls(
            countries=frozenset(c.upper() for c in raw.get("countries", ())),
            programmes=frozenset(Programme(p) for p in raw.get("programmes", ())),
            categories=frozenset(Category(c) for c in raw.get("categories", ())),
            languages=frozenset(StudyLanguage(x) for x in raw.get("languages", ())),
            directions=frozenset(StudyDirection(d) for d in raw.get("directions", ())),
        )

    def matches(self, case: CaseProfile) -> bool:
        return (
            _any_or(self.countries, case.country.upper())
            and _any_or(self.programmes, case.programme)
            and _any_or(self.categories, case.category)
            and _any_or(self.languages, case.language)
            and _any_or(self.directions, case.direction)
        )


def _any_or(allowed: frozenset[Any], value: object) -> bool:
    return not allowed or value in allowed
