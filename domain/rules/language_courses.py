"""How long a scholar's language courses last: the course duration tables.

Sources: appendix 7 of Order 318, «Таблица продолжительности языковых курсов», in the
wording of order No. 371 of 24.07.2018 (seed 002 lines 1488-1971, ruleset
``language-courses-order318-2018``); the 2023 campaign's «ЯЗЫКОВЫЕ КУРСЫ «9+3»» for the quota
categories (seed 001 lines 275, 339, 417, ruleset ``language-courses-2023-quota``), tried first
for its cases; and, as history only, an older wording of Order 318's tables, «Тілдік курстар
ұзақтығының кестесі» (seed 004 appendix 2, lines 228-306,
``language-courses-order318-amended``, not in force after 22.05.2017).

The rules, in the order they are applied:

* ``internship``: an internship scholar has 6 months of courses, fewer when the invitation
  gives fewer (footnote *, 002 line 1913); no certificate is looked at. The footnote marks the
  table's "in Kazakhstan" column, the place of the first threshold's courses: the ruleset says,
  per route the scholar's certificate reached (``internship_course_location``), where the
  months are taken, or that no course is needed; for a route it does not name the seed is
  silent and an officer decides.
* ``row_of_certificate``: otherwise the row of the case's table (country, programme, language,
  direction) that is open to the case's category (footnotes *** and ****) and that the
  certificate falls in gives months in Kazakhstan and abroad.
* ``pre_sessional``: a certificate no such row takes may fall in a pre-sessional row (row 11,
  master's, footnote *****: 2 months, or 1 month at the higher level).
* ``above_the_table``: a certificate above every row of its test in the case's table, and named
  in the table's shortest course, needs no course: 0 + 0 months.
* ``fewest_months``: of several certificates, the one giving the fewest total months decides.
* ``below_the_table``: a certificate below every row of its test in the case's table, whose test
  the table's longest course names, has no course in that table and is not looked up in the
  rulesets tried after it (a table that knows the test has ruled on it).

Rulesets are tried in the order given (newest first, see ``catalog.in_force``): the first that
decides wins, so a case the first table has no row for (the 9+3 table names three categories)
is looked up in the next. No table deciding is not a refusal: the case goes to an officer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from domain.language_tests import LanguageTest
from domain.programme import Programme
from domain.qualifications import LanguageCertificate
from domain.rules.certificates import CertificateRequirement, parse_requirements
from domain.rules.language_thresholds import LanguageRoute
from domain.rules.ruleset import Ruleset
from domain.rules.scope import CaseProfile, RowScope

KIND = "language_courses"
ROW_KEYS = frozenset(
    {"source_lines", "countries", "programmes", "categories", "languages", "directions"}
    | {"certificate", "months_in_kazakhstan", "months_abroad", "pre_sessional", "notes"}
    | {"keywords", "policy"}
)
LOCATIONS = ("kazakhstan", "abroad", "none")  # "none": the route needs no course


@dataclass(frozen=True)
class CoursePlan:
    ruleset_id: str
    source: str  # "<seed file> lines <source_lines>" of the row used
    months_in_kazakhstan: int
    months_abroad: int
    certificate: str  # label of the certificate the plan was chosen by ("" for internships)
    pre_sessional: bool = False

    @property
    def total_months(self) -> int:
        return self.months_in_kazakhstan + self.months_abroad


class NoCourseRowError(LookupError):
    """No ruleset tried has a row for the case and any of its certificates."""

    def __init__(
        self,
        case: CaseProfile,
        certificates: Sequence[LanguageCertificate],
        ruleset_ids: Sequence[str],
        route: LanguageRoute | None = None,
    ) -> None:
        self.case = case
        self.certificates = tuple(certificates)
        self.ruleset_ids = tuple(ruleset_ids)
        held = ", ".join(c.label for c in certificates) or "none"
        what = (
            f"route {route.value if route else 'not assessed'}"
            if case.programme is Programme.INTERNSHIP
            else f"certificates {held}"
        )
        super().__init__(
            f"no language-course row for country {case.country}, programme"
            f" {case.programme.value}, category {case.category.value}, language"
            f" {case.language.value}, direction {case.direction.value} and {what}"
            f" (rulesets tried: {', '.join(ruleset_ids) or 'none'})"
        )


@dataclass(frozen=True)
class CourseRow:
    """One certificate level of one row of a course duration table."""

    scope: RowScope
    requirements: tuple[CertificateRequirement, ...]
    months_in_kazakhstan: int
    months_abroad: int
    pre_sessional: bool
    source: str

    @property
    def total_months(self) -> int:
        return self.months_in_kazakhstan + self.months_abroad

    @property
    def table_scope(self) -> RowScope:
        """The row's scope without its category footnote: which table the row belongs to."""
        return replace(self.scope, categories=frozenset())

    def met_by(self, certificate: LanguageCertificate) -> bool:
        return any(r.met_by(certificate) for r in self.requirements)

    def names(self, test: LanguageTest) -> bool:
        return any(r.test is test for r in self.requirements)


@dataclass(frozen=True)
class _InternshipRule:
    months: int
    locations: Mapping[LanguageRoute, str]  # route -> "kazakhstan", "abroad" or "none"
    source: str

    def plan(
        self, ruleset_id: str, route: LanguageRoute | None, invitation_months: int | None
    ) -> CoursePlan | None:
        """Footnote *: 6 months, the invitation's term when it is shorter, taken where the
        route's location says; None when the ruleset names no location for the route."""
        location = self.locations.get(route) if route is not None else None
        if location is None:
            return None
        if location == "none":
            return CoursePlan(ruleset_id, self.source, 0, 0, "")
        months = self.months if invitation_months is None else min(self.months, invitation_months)
        in_kazakhstan = months if location == "kazakhstan" else 0
        return CoursePlan(ruleset_id, self.source, in_kazakhstan, months - in_kazakhstan, "")


@dataclass(frozen=True)
class _CourseTable:
    ruleset_id: str
    rows: tuple[CourseRow, ...]
    internship: _InternshipRule | None


@dataclass(frozen=True)
class _CaseRows:
    """The rows of one table that concern one case."""

    ruleset_id: str
    ordinary: tuple[CourseRow, ...]  # the case's table, rows of every category
    open_rows: tuple[CourseRow, ...]  # ordinary rows open to the case's category
    pre_sessional: tuple[CourseRow, ...]


def course_plan(
    rulesets: Sequence[Ruleset],
    case: CaseProfile,
    certificates: Sequence[LanguageCertificate],
    invitation_months: int | None = None,
    route: LanguageRoute | None = None,
) -> CoursePlan:
    """Tries the rulesets in the given order; the first with a row matching the case and one
    of the certificates decides. Internship: 6 months, or invitation_months when the
    invitation gives fewer (footnote *, 002 line 1913), taken where the ruleset's
    ``internship_course_location`` says for the ``route`` the scholar's certificate reached.
    When the certificates are above every row of the matching table, the plan is 0 + 0 months
    (no course needed); a certificate below every row of a table is not looked up in the
    rulesets tried after it. Raises ``NoCourseRowError`` when no ruleset decides."""
    if invitation_months is not None and invitation_months < 0:
        raise ValueError(f"invitation_months must be 0 or more, got {invitation_months}")
    if case.programme is Programme.INTERNSHIP:
        return _internship_plan(rulesets, case, invitation_months, route)
    return _certificate_plan(rulesets, case, certificates)


def course_rows(ruleset: Ruleset) -> tuple[CourseRow, ...]:
    """The parsed rows of a ``language_courses`` ruleset (parsed once per ruleset id)."""
    return _table(ruleset).rows


def _certificate_plan(
    rulesets: Sequence[Ruleset],
    case: CaseProfile,
    certificates: Sequence[LanguageCertificate],
) -> CoursePlan:
    remaining, tried = tuple(certificates), []
    for ruleset in rulesets:
        tried.append(ruleset.id)
        rows = _case_rows(_table(ruleset), case)
        plans = [p for c in remaining if (p := _plan_for(rows, c)) is not None]
        if plans:
            return min(plans, key=lambda p: p.total_months)
        remaining = tuple(c for c in remaining if not _below_the_table(rows, c))
        if not remaining:
            break
    raise NoCourseRowError(case, certificates, tried)


def _internship_plan(
    rulesets: Sequence[Ruleset],
    case: CaseProfile,
    invitation_months: int | None,
    route: LanguageRoute | None,
) -> CoursePlan:
    for ruleset in rulesets:
        rule = _table(ruleset).internship
        plan = rule.plan(ruleset.id, route, invitation_months) if rule is not None else None
        if plan is not None:
            return plan
    raise NoCourseRowError(case, (), [r.id for r in rulesets], route)


def _case_rows(table: _CourseTable, case: CaseProfile) -> _CaseRows:
    ordinary = tuple(r for r in table.rows if not r.pre_sessional and r.table_scope.matches(case))
    return _CaseRows(
        ruleset_id=table.ruleset_id,
        ordinary=ordinary,
        open_rows=tuple(r for r in ordinary if r.scope.matches(case)),
        pre_sessional=tuple(r for r in table.rows if r.pre_sessional and r.scope.matches(case)),
    )


def _plan_for(rows: _CaseRows, certificate: LanguageCertificate) -> CoursePlan | None:
    row = _first_met(rows.open_rows, certificate) or _first_met(rows.pre_sessional, certificate)
    if row is not None:
        return _plan(rows.ruleset_id, row, certificate)
    top = _above_the_table(rows, certificate)
    if top is None:
        return None
    return CoursePlan(rows.ruleset_id, top.source, 0, 0, certificate.label)


def _first_met(rows: Iterable[CourseRow], certificate: LanguageCertificate) -> CourseRow | None:
    return next((r for r in rows if r.met_by(certificate)), None)


def _plan(ruleset_id: str, row: CourseRow, certificate: LanguageCertificate) -> CoursePlan:
    return CoursePlan(
        ruleset_id=ruleset_id,
        source=row.source,
        months_in_kazakhstan=row.months_in_kazakhstan,
        months_abroad=row.months_abroad,
        certificate=certificate.label,
        pre_sessional=row.pre_sessional,
    )


def _above_the_table(rows: _CaseRows, certificate: LanguageCertificate) -> CourseRow | None:
    """The table's shortest-course row naming the certificate's test, when the certificate is
    above every row of that test in the case's table (all categories) and pre-sessional rows."""
    fewest = min((r.total_months for r in rows.ordinary), default=None)
    top = [r for r in rows.ordinary if r.total_months == fewest and r.names(certificate.test)]
    same_test = _requirements_of(rows, certificate.test)
    if top and all(q.max is not None and certificate.score > q.max for q in same_test):
        return top[0]
    return None


def _below_the_table(rows: _CaseRows, certificate: LanguageCertificate) -> bool:
    """The certificate's test is named in the table's longest course and the certificate is
    below every row of that test: the table has no course for it."""
    longest = max((r.total_months for r in rows.ordinary), default=None)
    named = any(r.total_months == longest and r.names(certificate.test) for r in rows.ordinary)
    same_test = _requirements_of(rows, certificate.test)
    return named and all(certificate.score < q.min for q in same_test)


def _requirements_of(rows: _CaseRows, test: LanguageTest) -> list[CertificateRequirement]:
    every_row = rows.ordinary + rows.pre_sessional
    return [q for r in every_row for q in r.requirements if q.test is test]


_TABLES: dict[str, _CourseTable] = {}


def _table(ruleset: Ruleset) -> _CourseTable:
    """Rows are parsed once per ruleset id: a ruleset is never edited in place (catalog)."""
    table = _TABLES.get(ruleset.id)
    if table is None:
        table = _TABLES[ruleset.id] = _parse_table(ruleset)
    return table


def _parse_table(ruleset: Ruleset) -> _CourseTable:
    if ruleset.kind != KIND:
        raise ValueError(f"ruleset {ruleset.id!r} is of kind {ruleset.kind!r}, not {KIND!r}")
    seed = ruleset.sources[0].seed
    rows = tuple(_parse_row(raw, seed) for raw in ruleset.data.get("rows", ()))
    return _CourseTable(ruleset.id, rows, _parse_internship(ruleset.data, seed))


def _parse_row(raw: Mapping[str, Any], seed: str) -> CourseRow:
    unknown = set(raw) - ROW_KEYS
    if unknown:
        raise ValueError(f"unknown keys in course row {raw.get('source_lines')}: {sorted(unknown)}")
    return CourseRow(
        scope=RowScope.parse(dict(raw)),
        requirements=parse_requirements(raw["certificate"]),
        months_in_kazakhstan=_months(raw["months_in_kazakhstan"]),
        months_abroad=_months(raw["months_abroad"]),
        pre_sessional=bool(raw.get("pre_sessional", False)),
        source=f"{seed} lines {raw['source_lines']}",
    )


def _parse_internship(data: Mapping[str, Any], seed: str) -> _InternshipRule | None:
    if "internship_months" not in data:
        return None
    raw = data.get("internship_course_location", {})
    if not isinstance(raw, dict):
        raise ValueError(f"internship_course_location must map routes to places: {raw!r}")
    locations = {}
    for route, location in raw.items():
        if location not in LOCATIONS:
            raise ValueError(f"internship_course_location: {location!r} not one of {LOCATIONS}")
        locations[LanguageRoute(route)] = location
    return _InternshipRule(
        months=_months(data["internship_months"]),
        locations=locations,
        source=f"{seed} lines {data.get('internship_source_lines', '')}",
    )


def _months(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"months must be a whole number of 0 or more, got {value!r}")
    return value
