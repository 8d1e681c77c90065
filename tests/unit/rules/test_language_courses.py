"""Language course durations: Order 318 appendix 7 (seed 002 lines 1488-1971, the wording in
force since 24.07.2018), an older wording kept as history (seed 004 appendix 2, lines 228-306),
and the 2023 quota categories' "9+3" (seed 001 lines 275, 339, 417)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from itertools import combinations

import pytest

from domain.language_tests import LanguageTest, score_of
from domain.programme import Category, Programme, StudyDirection, StudyLanguage
from domain.qualifications import IeltsBands, LanguageCertificate
from domain.rules import catalog
from domain.rules.certificates import CertificateRequirement
from domain.rules.language_courses import (
    KIND,
    CoursePlan,
    CourseRow,
    NoCourseRowError,
    course_plan,
    course_rows,
)
from domain.rules.language_thresholds import LanguageRoute
from domain.rules.ruleset import Ruleset
from domain.rules.scope import CaseProfile, RowScope
from tests.support.seeds import SEED_001, SEED_002, SEED_004, SEED_LINES

T = LanguageTest
OLD = "language-courses-order318-2018"
NEW = "language-courses-order318-amended"  # the older wording (seed 004), history
QUOTA = "language-courses-2023-quota"
ETW = Category.ENGINEERING_TECHNICAL
GENERAL = Category.GENERAL


def cert(test: LanguageTest, value: str | int, bands: str | None = None) -> LanguageCertificate:
    band = None if bands is None else Decimal(bands)
    ielts = None if band is None else IeltsBands(band, band, band, band)
    return LanguageCertificate(test, score_of(test, value), ielts)


def case(
    country: str,
    language: str,
    category: Category = ETW,
    programme: Programme = Programme.MASTERS,
) -> CaseProfile:
    return CaseProfile(
        country, programme, category, StudyLanguage(language), StudyDirection.TECHNICAL
    )


def old() -> list[Ruleset]:
    return [catalog.get(OLD)]


def new() -> list[Ruleset]:
    return [catalog.get(NEW)]


def in_force() -> list[Ruleset]:
    """Outside a campaign with its own course rule: Order 318's table alone."""
    return catalog.in_force(KIND, date(2024, 1, 1))


def campaign_2023() -> list[Ruleset]:
    return catalog.in_force(KIND, date(2023, 4, 20))


def months(plan: CoursePlan) -> tuple[int, int]:
    return plan.months_in_kazakhstan, plan.months_abroad


def plan_of(
    rulesets: list[Ruleset], profile: CaseProfile, *certs: LanguageCertificate
) -> tuple[int, int]:
    return months(course_plan(rulesets, profile, certs))


# --- the data files ---------------------------------------------------------------------


def test_every_data_file_parses() -> None:
    """The course tables load and parse: 002 lines 1488-1971, 004 lines 228-306, 001 9+3."""
    rulesets = catalog.of_kind(KIND)
    assert {r.id for r in rulesets} == {OLD, NEW, QUOTA}
    for ruleset in rulesets:
        assert course_rows(ruleset)
    assert catalog.get(OLD).data["internship_months"] == 6
    assert catalog.get(NEW).data["internship_months"] == 6


def test_the_2018_wording_stands_and_the_older_amendment_is_history() -> None:
    """002 lines 23-25, 1309: since order No. 239 of 23.05.2017 appendix 7 is one table; 004
    line 4 amends two tables, so it is older, and 002 line 1496 (order No. 371 of 24.07.2018)
    gives the wording in force. 004's rows are never tried over 002's."""
    assert catalog.get(OLD).effective_from == date(2018, 7, 24)
    assert catalog.get(OLD).effective_to is None
    assert catalog.get(NEW).effective_to == date(2017, 5, 22)
    assert catalog.get(NEW).supersedes == ()
    assert [r.id for r in in_force()] == [OLD]
    assert [r.id for r in catalog.in_force(KIND, date(2030, 1, 1))] == [OLD]
    assert [r.id for r in catalog.in_force(KIND, date(2017, 5, 22))] == [NEW]
    with pytest.raises(catalog.NoRulesetInForceError):  # order No. 239's wording: not a seed
        catalog.in_force(KIND, date(2018, 1, 1))


def _line_ranges(source_lines: str) -> list[tuple[int, int]]:
    ranges = []
    for part in source_lines.split(","):
        low, _, high = part.strip().partition("-")
        ranges.append((int(low), int(high or low)))
    return ranges


def test_every_source_line_lies_inside_its_seed() -> None:
    """Every row cites lines of its seed (002: 1971 lines, 004: 331 lines)."""
    for ruleset in catalog.of_kind(KIND):
        seed = ruleset.sources[0].seed
        cited = [row["source_lines"] for row in ruleset.data["rows"]]
        cited += (
            [ruleset.data["internship_source_lines"]]
            if ruleset.data.get("internship_months")
            else []
        )
        for low, high in (r for lines in cited for r in _line_ranges(lines)):
            assert 1 <= low <= high <= SEED_LINES[seed], (ruleset.id, low, high)


def _overlap(a: CertificateRequirement, b: CertificateRequirement) -> bool:
    top = Decimal("Infinity")
    return a.test is b.test and max(a.min, b.min) <= min(a.max or top, b.max or top)


def _scopes_overlap(a: RowScope, b: RowScope) -> bool:
    pairs = [(a.countries, b.countries), (a.programmes, b.programmes)]
    pairs += [(a.categories, b.categories), (a.languages, b.languages)]
    pairs += [(a.directions, b.directions)]
    return all(not x or not y or bool(x & y) for x, y in pairs)


def _ambiguous(a: CourseRow, b: CourseRow) -> bool:
    if a.pre_sessional != b.pre_sessional or not _scopes_overlap(a.scope, b.scope):
        return False
    return any(_overlap(x, y) for x in a.requirements for y in b.requirements)


def test_no_certificate_falls_in_two_rows_of_one_table() -> None:
    """A certificate printed in two rows of one group (002 lines 1575-1589 OnSet A2 / SD2;
    1862/1900, 1866/1904, 1870/1908; 004 lines 287/298, 289/300) is kept in one only."""
    for ruleset in catalog.of_kind(KIND):
        for a, b in combinations(course_rows(ruleset), 2):
            assert not _ambiguous(a, b), (ruleset.id, a.source, b.source)


# --- English: 002 lines 1516-1559, 004 lines 231-238 --------------------------------------


@pytest.mark.parametrize(
    ("ielts", "expected"),
    [("5.0", (6, 6)), ("5.5", (3, 6)), ("6.0", (0, 6)), ("6.5", (0, 3))],
)
def test_ielts_rows_of_the_english_table(ielts: str, expected: tuple[int, int]) -> None:
    """002 lines 1533-1559: IELTS 5.0 6+6, 5.5 3+6, 6.0 0+6, 6.5 0+3 (engineering worker)."""
    assert plan_of(old(), case("GB", "en"), cert(T.IELTS, ielts)) == expected


@pytest.mark.parametrize(("ielts", "expected"), [("5.0", (6, 6)), ("5.5", (3, 6)), ("6.0", (0, 6))])
def test_ielts_rows_of_the_amended_english_table(ielts: str, expected: tuple[int, int]) -> None:
    """004 lines 235-237: IELTS 5.0 6+6, 5.5 3+6, 6.0 0+6."""
    plan = course_plan(new(), case("US", "en"), [cert(T.IELTS, ielts)])
    assert months(plan) == expected
    assert plan.source.startswith(SEED_004)


def test_toefl_itp_456_and_457_are_different_rows() -> None:
    """002 lines 1534 and 1542: TOEFL ITP/PBT 417-456 -> 6+6, 457-499 -> 3+6."""
    assert plan_of(old(), case("GB", "en"), cert(T.TOEFL_ITP, 456)) == (6, 6)
    assert plan_of(old(), case("GB", "en"), cert(T.TOEFL_ITP, 457)) == (3, 6)
    assert plan_of(old(), case("GB", "en"), cert(T.TOEFL_PBT, 499)) == (3, 6)
    assert plan_of(old(), case("GB", "en"), cert(T.TOEFL_PBT, 500)) == (0, 6)


def test_toefl_ibt_45_and_46_are_different_rows() -> None:
    """002 lines 1535 and 1543: TOEFL IBT 35-45 -> 6+6, 46-59 -> 3+6."""
    assert plan_of(old(), case("CA", "en"), cert(T.TOEFL_IBT, 45)) == (6, 6)
    assert plan_of(old(), case("CA", "en"), cert(T.TOEFL_IBT, 46)) == (3, 6)


def test_ielts_5_row_only_for_footnote_3_categories() -> None:
    """002 lines 1533, 1917 and 004 lines 235, 304 (***): IELTS 5.0 only for engineering
    workers and self-admitted doctorate/residency."""
    doctor = case("AU", "en", Category.SELF_ADMITTED_DOCTORATE_RESIDENCY, Programme.DOCTORATE)
    assert plan_of(new(), doctor, cert(T.IELTS, "5.0")) == (6, 6)
    with pytest.raises(NoCourseRowError):
        course_plan(new(), case("AU", "en", Category.CIVIL_SERVANT), [cert(T.IELTS, "5.0")])


def test_ielts_6_5_row_2018_for_every_category_but_general() -> None:
    """002 lines 1555-1559, 1919 (****): IELTS 6.5 0+3 for all but the general competition and
    self-admitted master's; those get the pre-sessional course instead (lines 1834-1841)."""
    assert plan_of(old(), case("GB", "en", Category.RURAL), cert(T.IELTS, "6.5")) == (0, 3)
    plan = course_plan(old(), case("GB", "en", GENERAL), [cert(T.IELTS, "6.5")])
    assert (months(plan), plan.pre_sessional) == ((0, 2), True)


def test_ielts_6_5_row_amended_only_for_general() -> None:
    """004 lines 238, 305 (****): IELTS 6.5 0+3 only for the general competition and
    self-admitted master's; an engineering worker at 6.5 has no row in this table."""
    masters = case("GB", "en", Category.SELF_ADMITTED_MASTERS)
    assert plan_of(new(), masters, cert(T.IELTS, "6.5")) == (0, 3)
    with pytest.raises(NoCourseRowError):
        course_plan(new(), case("GB", "en", ETW), [cert(T.IELTS, "6.5")])
    fallback = course_plan(in_force(), case("GB", "en", ETW), [cert(T.IELTS, "6.5")])
    assert (fallback.ruleset_id, months(fallback)) == (OLD, (0, 3))  # 002 lines 1555-1559


def test_a_certificate_the_first_table_lacks_falls_through_to_the_next() -> None:
    """Tried in the order given, 004 line 235 (only "***IELTS 5.0;" of the cell) has no TOEFL
    band: the band 417-456 of 002 line 1534 decides through the next ruleset."""
    plan = course_plan(new() + old(), case("IE", "en"), [cert(T.TOEFL_ITP, 420)])
    assert (plan.ruleset_id, months(plan)) == (OLD, (6, 6))
    assert plan.source == f"{SEED_002} lines 1533-1539"


# --- other languages -----------------------------------------------------------------------


@pytest.mark.parametrize(("level", "abroad"), [("A1", 12), ("A2", 9), ("B1", 6)])
def test_german_rows_2018(level: str, abroad: int) -> None:
    """002 lines 1575-1596: Goethe A1 12, A2 9, B1 6 months abroad."""
    assert plan_of(old(), case("DE", "de"), cert(T.GOETHE, level)) == (0, abroad)


@pytest.mark.parametrize(("level", "abroad"), [("A2", 12), ("B1", 9), ("B2", 6)])
def test_german_rows_of_the_older_wording_are_history(level: str, abroad: int) -> None:
    """004 lines 243-245 (Goethe A2 12, B1 9, B2 6 months) are kept for decisions already
    stamped with them; the wording in force (002 lines 1575-1596) decides every new case."""
    assert plan_of(new(), case("AT", "de"), cert(T.GOETHE, level)) == (0, abroad)
    plan = course_plan(in_force(), case("AT", "de"), [cert(T.GOETHE, level)])
    assert plan.ruleset_id == OLD


def test_goethe_a1_gets_the_2018_german_course() -> None:
    """002 appendix 7 (lines 1575-1582): Goethe A1, 12 months abroad, in 2023 as today."""
    for rulesets in (in_force(), campaign_2023()):
        plan = course_plan(rulesets, case("DE", "de"), [cert(T.GOETHE, "A1")])
        assert (plan.ruleset_id, months(plan)) == (OLD, (0, 12))


def test_german_certificates_of_the_2018_cell() -> None:
    """002 lines 1578, 1585: DAAD 5.0 of 10 -> 12 months, OnSet A2 -> 9 months."""
    assert plan_of(old(), case("CH", "de"), cert(T.DAAD, "5.0")) == (0, 12)
    assert plan_of(old(), case("CH", "de"), cert(T.ONSET, "A2")) == (0, 9)


@pytest.mark.parametrize(("level", "abroad"), [("HSK3", 12), ("HSK4", 9), ("HSK5", 6)])
def test_chinese_rows(level: str, abroad: int) -> None:
    """002 lines 1640-1655 and 004 lines 252-254: HSK 3 12, HSK 4 9, HSK 5 6 months abroad."""
    for rulesets in (old(), new()):
        assert plan_of(rulesets, case("CN", "zh"), cert(T.HSK, level)) == (0, abroad)


def test_japanese_rows() -> None:
    """002 lines 1813-1823: N5 12, N4 9; 004 lines 276-277: N3 12, N2 9 months abroad."""
    assert plan_of(old(), case("JP", "ja"), cert(T.JLPT, "N5")) == (0, 12)
    assert plan_of(old(), case("JP", "ja"), cert(T.JLPT, "N4")) == (0, 9)
    assert plan_of(new(), case("JP", "ja"), cert(T.JLPT, "N3")) == (0, 12)
    assert plan_of(new(), case("JP", "ja"), cert(T.JLPT, "N2")) == (0, 9)


def test_korean_and_french_rows_shift_in_the_amendment() -> None:
    """002 lines 1784, 1760: TOPIK 1 12, TCF 200-299 9; 004 lines 272, 268: TOPIK 2 12,
    TCF 200-299 12 months abroad."""
    assert plan_of(old(), case("KR", "ko"), cert(T.TOPIK, "TOPIK1")) == (0, 12)
    assert plan_of(new(), case("KR", "ko"), cert(T.TOPIK, "TOPIK2")) == (0, 12)
    assert plan_of(new(), case("FR", "fr"), cert(T.TCF, 250)) == (0, 12)
    assert plan_of(in_force(), case("FR", "fr"), cert(T.TCF, 250)) == (0, 9)


def test_finnish_rows_have_no_masters() -> None:
    """002 lines 1725-1740: Finnish courses for doctorate and residency only, YKI 3 12 months."""
    doctorate = case("FI", "fi", programme=Programme.DOCTORATE)
    assert plan_of(old(), doctorate, cert(T.YKI, "YKI3")) == (0, 12)
    with pytest.raises(NoCourseRowError):
        course_plan(old(), case("FI", "fi"), [cert(T.YKI, "YKI3")])


def test_italian_and_dutch_rows() -> None:
    """002 lines 1617-1621 (CILS B1/CELI 2: 9) and 1669-1673 (PTIT A2: 12 months abroad)."""
    assert plan_of(old(), case("IT", "it"), cert(T.CELI, "CELI2")) == (0, 9)
    assert plan_of(old(), case("NL", "nl"), cert(T.CNAVT, "A2")) == (0, 12)


# --- pre-sessional course: 002 lines 1825-1909, 1921; 004 lines 278-300, 306 ---------------


def test_pre_sessional_two_months() -> None:
    """002 lines 1836-1841: IELTS up to and including 6.5 -> 2 months; 1861: Goethe C1."""
    plan = course_plan(old(), case("GB", "en", GENERAL), [cert(T.TOEFL_IBT, 79)])
    assert (months(plan), plan.pre_sessional) == ((0, 2), True)
    assert plan_of(in_force(), case("DE", "de", GENERAL), cert(T.GOETHE, "C1")) == (0, 2)


def test_pre_sessional_one_month_needs_every_band() -> None:
    """002 lines 1879-1883: IELTS 7.0 and above, every band at least 6.5 -> 1 month."""
    profile = case("GB", "en", Category.SELF_ADMITTED_MASTERS)
    assert plan_of(old(), profile, cert(T.IELTS, "7.5", bands="6.5")) == (0, 1)
    with pytest.raises(NoCourseRowError):
        course_plan(old(), profile, [cert(T.IELTS, "7.0", bands="6.0")])


def test_pre_sessional_amended_values_as_printed() -> None:
    """004 lines 280, 292, 297: IELTS 6.5 -> 2 months; IELTS 7,0 (bands >= 6.5) and Goethe C2
    -> 1 month."""
    profile = case("GB", "en", Category.SELF_ADMITTED_MASTERS)
    assert plan_of(new(), profile, cert(T.IELTS, "7.0", bands="6.5")) == (0, 1)
    assert plan_of(new(), case("DE", "de", GENERAL), cert(T.GOETHE, "C2")) == (0, 1)


def test_pre_sessional_only_for_footnote_5_categories() -> None:
    """002 line 1921 (*****): only general competition and self-admitted master's; an
    engineering worker with Goethe C1 is above the German table (0 + 0)."""
    plan = course_plan(old(), case("DE", "de", ETW), [cert(T.GOETHE, "C1")])
    assert (months(plan), plan.pre_sessional) == ((0, 0), False)


def test_ordinary_row_before_pre_sessional_row() -> None:
    """HSK 5 is both a 6-month China row (002 lines 1652-1655) and a pre-sessional row (line
    1853): the China row decides."""
    assert plan_of(old(), case("CN", "zh", GENERAL), cert(T.HSK, "HSK5")) == (0, 6)


# --- internships: footnote *, 002 line 1913, 004 line 302 ----------------------------------


KAZAKHSTAN = LanguageRoute.COURSES_IN_KAZAKHSTAN


def test_internship_six_months_in_kazakhstan_at_the_first_threshold() -> None:
    """002 line 1913: internship scholars have 6 months of courses; the footnote marks the
    "в Республике Казахстан" column (line 1512), the courses of the first threshold (line 862):
    a scholar whose certificate reached it takes them in Kazakhstan. No certificate is read."""
    intern = case("GB", "en", Category.CIVIL_SERVANT, Programme.INTERNSHIP)
    plan = course_plan(in_force(), intern, [], route=KAZAKHSTAN)
    assert (months(plan), plan.certificate, plan.ruleset_id) == ((6, 0), "", OLD)
    assert plan.source == f"{SEED_002} lines 1913"


def test_internship_shorter_invitation() -> None:
    """002 line 1913: a shorter term in the invitation decides; a longer one does not."""
    intern = case("US", "en", Category.MASS_MEDIA, Programme.INTERNSHIP)
    assert months(course_plan(old(), intern, [], 2, KAZAKHSTAN)) == (2, 0)
    assert months(course_plan(old(), intern, [], 9, KAZAKHSTAN)) == (6, 0)


def test_internship_at_the_level_for_study_needs_no_course() -> None:
    """001 line 500 gives internships only the third level, "for academic study" (002 line
    866): a scholar who reached it goes straight to the internship, 0 + 0 months."""
    intern = case("GB", "en", Category.TEACHER, Programme.INTERNSHIP)
    route = LanguageRoute.STRAIGHT_TO_STUDY
    assert months(course_plan(campaign_2023(), intern, [], route=route)) == (0, 0)


@pytest.mark.parametrize("route", [LanguageRoute.COURSES_ABROAD, None])
def test_internship_course_where_the_seed_is_silent_is_not_decided(
    route: LanguageRoute | None,
) -> None:
    """Footnote * (002 line 1913) says nothing of courses abroad for an internship, nor of a
    scholar whose level was not assessed: no table decides (an officer will)."""
    intern = case("GB", "en", Category.TEACHER, Programme.INTERNSHIP)
    with pytest.raises(NoCourseRowError, match="internship"):
        course_plan(campaign_2023(), intern, [], route=route)


# --- choosing and failing --------------------------------------------------------------------


def test_above_the_table_needs_no_course() -> None:
    """002 lines 1555-1559: IELTS 6.5 is the table's last row; IELTS 7.0 needs no course."""
    plan = course_plan(old(), case("GB", "en", Category.MEDICAL), [cert(T.IELTS, "7.0")])
    assert (plan.total_months, plan.source) == (0, f"{SEED_002} lines 1555-1559")


def test_fewest_months_among_certificates() -> None:
    """002 lines 1541-1553: IELTS 5.5 (3+6) and TOEFL IBT 60 (0+6): the IBT decides."""
    certs = [cert(T.IELTS, "5.5"), cert(T.TOEFL_IBT, 60)]
    plan = course_plan(old(), case("GB", "en"), certs)
    assert (months(plan), plan.certificate) == ((0, 6), "TOEFL_IBT 60")
    assert plan.total_months == 6


def test_no_row_names_the_case_and_rulesets() -> None:
    """002 line 1534 starts the TOEFL band at 417: TOEFL ITP 400 has no row."""
    with pytest.raises(NoCourseRowError) as raised:
        course_plan(in_force(), case("GB", "en"), [cert(T.TOEFL_ITP, 400)])
    message = str(raised.value)
    for part in ("GB", "masters", "engineering_technical", "en", "TOEFL_ITP 400", OLD):
        assert part in message


def test_below_the_table_is_not_looked_up_in_the_next_ruleset() -> None:
    """The 9+3 table (001) starts English at IELTS 5.0: an IELTS 4.5 has no course there, and
    Order 318's table tried after it does not decide for it (a table that names the test has
    ruled on it)."""
    with pytest.raises(NoCourseRowError) as raised:
        course_plan(campaign_2023(), case("GB", "en", Category.RURAL), [cert(T.IELTS, "4.5")])
    assert QUOTA in str(raised.value)
    assert OLD not in str(raised.value)


def test_certificate_cut_from_the_older_cell_falls_through() -> None:
    """004 line 243 keeps only "Goethe-Zertifikat А2" of the cell; tried before 002, DAAD 5.0
    of 10 (002 line 1578) is decided by the 2018 row: 12 months abroad."""
    plan = course_plan(new() + old(), case("DE", "de"), [cert(T.DAAD, "5.0")])
    assert (plan.ruleset_id, months(plan)) == (OLD, (0, 12))


def test_certificate_of_another_language_is_not_used() -> None:
    """002 lines 1561-1596: the German table has no IELTS row."""
    with pytest.raises(NoCourseRowError):
        course_plan(in_force(), case("DE", "de"), [cert(T.IELTS, "6.0")])


def test_negative_invitation_is_refused() -> None:
    """002 line 1913 speaks of a term of courses: it cannot be negative."""
    with pytest.raises(ValueError, match="invitation_months"):
        course_plan(old(), case("GB", "en"), [], invitation_months=-1)


def test_months_strings_are_exact() -> None:
    """Durations are whole months; source cites the seed and the row's lines."""
    plan = course_plan(old(), case("NO", "no"), [cert(T.BERGENTEST, "B2")])
    assert plan == CoursePlan(OLD, f"{SEED_002} lines 1711-1715", 0, 6, "BERGENTEST B2")
    assert re.fullmatch(r"\S+\.txt lines [\d, -]+", plan.source)


# --- the 2023 quota categories: "9+3" (001 lines 275, 339, 417) ----------------------------

QUOTA_CATEGORIES = [Category.RURAL, Category.ENGINEERING_TECHNICAL, Category.MEDICAL]


@pytest.mark.parametrize("category", QUOTA_CATEGORIES)
@pytest.mark.parametrize(
    ("test", "score"),
    [
        (T.IELTS, "5.0"),
        (T.IELTS, "5.5"),
        (T.TOEFL_IBT, 35),
        (T.TOEFL_PBT, 417),
        (T.TOEFL_ITP, 497),
        (T.DET, 80),
        (T.IELTS_INDICATOR, "5.0"),
    ],
)
def test_quota_categories_at_the_first_threshold_take_9_plus_3(
    category: Category, test: LanguageTest, score: str | int
) -> None:
    """001 lines 275, 339, 417: "ЯЗЫКОВЫЕ КУРСЫ «9+3»" for the rural, engineering-technical and
    medical master's; the first threshold of line 498 sends a scholar to courses in
    Kazakhstan: 9 months there, then 3 abroad."""
    plan = course_plan(campaign_2023(), case("GB", "en", category), [cert(test, score)])
    assert (plan.ruleset_id, months(plan)) == (QUOTA, (9, 3))
    assert plan.source == f"{SEED_001} lines 275, 339, 417, 498"


@pytest.mark.parametrize(("test", "score"), [(T.IELTS, "6.0"), (T.TOEFL_IBT, 78)])
def test_quota_categories_at_the_second_threshold_take_the_abroad_part(
    test: LanguageTest, score: str | int
) -> None:
    """The seed does not split the 9+3 by level; at the second threshold (courses abroad, 002
    line 864) CIP gives the 3 months abroad: a row marked as CIP policy."""
    plan = course_plan(campaign_2023(), case("US", "en", Category.MEDICAL), [cert(test, score)])
    assert (plan.ruleset_id, months(plan)) == (QUOTA, (0, 3))
    rows = catalog.get(QUOTA).data["rows"]
    assert [bool(r.get("policy")) for r in rows] == [False, True]


@pytest.mark.parametrize(("test", "score"), [(T.IELTS, "6.5"), (T.TOEFL_IBT, 79)])
def test_quota_categories_at_the_third_threshold_need_no_course(
    test: LanguageTest, score: str | int
) -> None:
    """001 line 498, third level (for academic study, 002 line 866): no course, 0 + 0."""
    plan = course_plan(campaign_2023(), case("CA", "en", Category.RURAL), [cert(test, score)])
    assert (plan.ruleset_id, months(plan)) == (QUOTA, (0, 0))


def test_the_9_plus_3_is_only_for_the_quota_categories_of_2023() -> None:
    """001 names the 9+3 for three categories of the 2023 campaign: the general competition
    keeps appendix 7 (002 lines 1533-1539: IELTS 5.0, 6 + 6), and outside 2023 no quota row
    is tried."""
    general = course_plan(campaign_2023(), case("GB", "en", GENERAL), [cert(T.IELTS, "5.5")])
    assert general.ruleset_id == OLD
    assert QUOTA not in [r.id for r in in_force()]
    assert catalog.get(QUOTA).effective_to == date(2023, 12, 31)
