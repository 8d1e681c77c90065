"""Foreign-language thresholds: which route after the award a case's certificates lead to.

Order 318 appendix 1 (seed 002 lines 93-926, in the wording of 24.07.2018; seed 004 lines
20-195 is an older wording, kept as history) and the 2023 campaign table (seed 001 lines
495-500) give, per country, category and language of study, three threshold levels (002 lines
862-866; 004 lines 192-194):

* first («Первый пороговый уровень»; «Бірінші межелік деңгей», in 004's legend «Бірінші
  сатылық деңгей»): language courses in Kazakhstan;
* second: language courses abroad;
* third: straight to academic study.

A row may leave a level undefined ("–"); its lowest defined level is the minimum the applicant
must meet. Each level lists alternative certificates, any one of which suffices. A ruleset may
accept a certificate only on a condition (``toefl_itp_only_within_competition``: Order 318
counts a TOEFL ITP only when taken «в рамках конкурса», within the Bolashak competition, 002
line 858).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from domain.qualifications import LanguageCertificate
from domain.rules.certificates import (
    CertificateRequirement,
    describe_any,
    first_met,
    parse_requirements,
)
from domain.rules.ruleset import Ruleset
from domain.rules.scope import CaseProfile, RowScope

KIND = "language_thresholds"
LEVEL_KEYS = {"first": 1, "second": 2, "third": 3}
SCOPE_KEYS = {"countries", "programmes", "categories", "languages", "directions"}
ROW_KEYS = SCOPE_KEYS | set(LEVEL_KEYS) | {"source_lines", "keywords", "notes", "policy"}


class LanguageRoute(Enum):
    COURSES_IN_KAZAKHSTAN = "courses_in_kazakhstan"  # first threshold
    COURSES_ABROAD = "courses_abroad"  # second threshold
    STRAIGHT_TO_STUDY = "straight_to_study"  # third threshold


ROUTES = {
    1: LanguageRoute.COURSES_IN_KAZAKHSTAN,
    2: LanguageRoute.COURSES_ABROAD,
    3: LanguageRoute.STRAIGHT_TO_STUDY,
}


@dataclass(frozen=True)
class LanguageAssessment:
    ruleset_id: str
    source: str  # "<seed file> lines <source_lines>" of the row used
    minimum_level: int  # lowest threshold level the row defines (1..3)
    level_reached: int  # highest level met by any certificate, 0 if none
    certificate: str  # label of the certificate that reached it, "" if none
    requirement: str  # human text of the minimum level's alternatives
    not_counted: tuple[str, ...] = ()  # certificates the ruleset does not accept, and why

    @property
    def meets_minimum(self) -> bool:
        return self.level_reached >= self.minimum_level

    @property
    def route(self) -> LanguageRoute | None:
        """The route of the level reached; None when the minimum is not met."""
        return ROUTES[self.level_reached] if self.meets_minimum else None


class NoThresholdRowError(LookupError):
    """No row of any ruleset tried covers the case."""

    def __init__(self, case: CaseProfile, ruleset_ids: Sequence[str]) -> None:
        self.case = case
        self.ruleset_ids = tuple(ruleset_ids)
        super().__init__(
            f"no language threshold for country {case.country}, programme "
            f"{case.programme.value}, category {case.category.value}, language "
            f"{case.language.value}, direction {case.direction.value} in rulesets: "
            f"{', '.join(self.ruleset_ids) or 'none'}"
        )


@dataclass(frozen=True)
class ThresholdRow:
    """One parsed table row: whom it covers and its defined levels (1..3)."""

    scope: RowScope
    levels: Mapping[int, tuple[CertificateRequirement, ...]]
    source: str
    notes: str = ""

    @property
    def minimum_level(self) -> int:
        return min(self.levels)


_ROWS: dict[str, tuple[ThresholdRow, ...]] = {}


def assess_language(
    rulesets: Sequence[Ruleset],
    case: CaseProfile,
    certificates: Sequence[LanguageCertificate],
) -> LanguageAssessment:
    """Tries the rulesets in the given order; the first with a row matching the case decides.

    A matching row that names none of the applicant's certificate tests at any level lets the
    next ruleset decide instead: the 2023 campaign table names English certificates only, so a
    national-language certificate is judged by Order 318's table that lists it. If no ruleset
    names the tests, the first matching row decides.
    """
    first: tuple[Ruleset, ThresholdRow] | None = None
    for ruleset in rulesets:
        row = matching_row(ruleset, case)
        if row is None:
            continue
        if not certificates or _names_a_test_of(row, certificates):
            return _assess(ruleset, row, certificates)
        first = first or (ruleset, row)
    if first is not None:
        return _assess(*first, certificates)
    raise NoThresholdRowError(case, [r.id for r in rulesets])


def toefl_itp_only_within_competition(
    ruleset: Ruleset, certificate: LanguageCertificate
) -> str | None:
    """Why ``ruleset`` does not count ``certificate``, or None when it does: Order 318 takes a
    certificate of the tests its ``[certificate_acceptance]`` names (TOEFL ITP, footnote **,
    «в рамках конкурса», 002 line 858; «конкурс шеңберінде», 004 line 190) only when it was
    taken within the Bolashak competition."""
    rule = ruleset.data.get("certificate_acceptance", {})
    conditional = certificate.test.value in rule.get("only_within_competition", ())
    if conditional and not certificate.within_competition:
        seed = ruleset.sources[0].seed if ruleset.sources else ruleset.id
        return (
            f"{certificate.label} not taken within the Bolashak competition"
            f" ({seed} line {rule.get('source_lines', '')})"
        )
    return None


def _names_a_test_of(row: ThresholdRow, certificates: Sequence[LanguageCertificate]) -> bool:
    tests = {c.test for c in certificates}
    return any(r.test in tests for level in row.levels.values() for r in level)


def matching_row(ruleset: Ruleset, case: CaseProfile) -> ThresholdRow | None:
    """The first row of ``ruleset`` whose scope covers ``case`` (rows are ordered in the data)."""
    return next((row for row in rows_of(ruleset) if row.scope.matches(case)), None)


def rows_of(ruleset: Ruleset) -> tuple[ThresholdRow, ...]:
    """The ruleset's rows, parsed once per ruleset id."""
    if ruleset.id not in _ROWS:
        _ROWS[ruleset.id] = _parse_rows(ruleset)
    return _ROWS[ruleset.id]


def _assess(
    ruleset: Ruleset, row: ThresholdRow, certificates: Sequence[LanguageCertificate]
) -> LanguageAssessment:
    refused = {
        c: why for c in certificates if (why := toefl_itp_only_within_competition(ruleset, c))
    }
    level, certificate = _highest_met(row, [c for c in certificates if c not in refused])
    return LanguageAssessment(
        ruleset_id=ruleset.id,
        source=row.source,
        minimum_level=row.minimum_level,
        level_reached=level,
        certificate=certificate.label if certificate else "",
        requirement=describe_any(row.levels[row.minimum_level]),
        not_counted=tuple(refused.values()),
    )


def _highest_met(
    row: ThresholdRow, certificates: Sequence[LanguageCertificate]
) -> tuple[int, LanguageCertificate | None]:
    for level in sorted(row.levels, reverse=True):
        certificate = first_met(row.levels[level], certificates)
        if certificate is not None:
            return level, certificate
    return 0, None


def _parse_rows(ruleset: Ruleset) -> tuple[ThresholdRow, ...]:
    if ruleset.kind != KIND:
        raise ValueError(f"ruleset {ruleset.id!r} is of kind {ruleset.kind!r}, not {KIND!r}")
    seed = ruleset.sources[0].seed if ruleset.sources else ruleset.id
    return tuple(_parse_row(raw, seed, ruleset.id) for raw in ruleset.data.get("rows", ()))


def _parse_row(raw: Mapping[str, Any], seed: str, ruleset_id: str) -> ThresholdRow:
    unknown = set(raw) - ROW_KEYS
    if unknown:
        raise ValueError(f"{ruleset_id}: unknown keys in a threshold row: {sorted(unknown)}")
    levels = _levels(raw)
    if not levels:
        raise ValueError(f"{ruleset_id}: row at lines {raw.get('source_lines')} defines no level")
    return ThresholdRow(
        scope=RowScope.parse(dict(raw)),
        levels=levels,
        source=f"{seed} lines {raw['source_lines']}",
        notes=str(raw.get("notes", "")),
    )


def _levels(raw: Mapping[str, Any]) -> dict[int, tuple[CertificateRequirement, ...]]:
    parsed = {n: parse_requirements(_tables(raw.get(k))) for k, n in LEVEL_KEYS.items()}
    return {n: reqs for n, reqs in parsed.items() if reqs}


def _tables(value: object) -> Iterable[dict[str, Any]]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"a threshold level must be an array of requirements, got {value!r}")
    return value
