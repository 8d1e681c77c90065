"""Foreign-language thresholds: the 2023 table (seed 001 lines 495-500), Order 318 appendix 1
in the 2018 wording, in force since 24.07.2018 (seed 002 lines 93-936), and an older wording
kept as history (seed 004 lines 20-227)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import combinations

import pytest

from domain.language_tests import LanguageTest, score_of
from domain.programme import Category, Programme, StudyDirection, StudyLanguage
from domain.qualifications import IeltsBands, LanguageCertificate
from domain.rules import catalog
from domain.rules.language_thresholds import (
    KIND,
    LanguageAssessment,
    LanguageRoute,
    NoThresholdRowError,
    assess_language,
    rows_of,
)
from domain.rules.ruleset import Ruleset, Source
from domain.rules.scope import CaseProfile, RowScope
from tests.support.seeds import SEED_001, SEED_002, SEED_LINES

T = LanguageTest
C = Category
P = Programme
CAMPAIGN = "language-thresholds-2023-campaign"
ORDER_2018 = "language-thresholds-order318-2018"
AMENDED = "language-thresholds-order318-amended"  # the older wording (seed 004), history


def cert(test: LanguageTest, value: str | int, *, within: bool = True) -> LanguageCertificate:
    """A certificate; a TOEFL ITP taken within the competition unless ``within`` is False."""
    return LanguageCertificate(test, score_of(test, value), within_competition=within)


def ielts(
    overall: str, lowest: str | None = None, writing: str | None = None
) -> LanguageCertificate:
    """An IELTS result with its bands: all at ``overall`` but one at ``lowest``, and writing."""
    band = Decimal(overall)
    low = Decimal(lowest) if lowest else band
    bands = IeltsBands(band, low, Decimal(writing) if writing else band, band)
    return LanguageCertificate(T.IELTS, Decimal(overall), bands)


def case(
    country: str,
    category: Category = C.ENGINEERING_TECHNICAL,
    programme: Programme = P.MASTERS,
    language: str = "en",
) -> CaseProfile:
    return CaseProfile(
        country, programme, category, StudyLanguage(language), StudyDirection.TECHNICAL
    )


def assess(
    ruleset_id: str, profile: CaseProfile, *certificates: LanguageCertificate
) -> LanguageAssessment:
    return assess_language([catalog.get(ruleset_id)], profile, certificates)


def level(ruleset_id: str, profile: CaseProfile, *certificates: LanguageCertificate) -> int:
    return assess(ruleset_id, profile, *certificates).level_reached


def campaign_chain() -> list[Ruleset]:
    """The rulesets in force for a 2023 submission, as eligibility asks for them."""
    return catalog.in_force("language_thresholds", date(2023, 4, 20))


def test_a_2023_case_tries_the_2023_table_then_the_2018_order() -> None:
    """The older wording (004) is never tried over 002's (DOMAIN "Which text is newer")."""
    assert [r.id for r in campaign_chain()] == [CAMPAIGN, ORDER_2018]


# --- the data files -------------------------------------------------------------------------


def test_every_data_file_parses_and_every_row_defines_a_level() -> None:
    """The three tables load; each row has a first, second or third level (001 lines 495-500,
    002 lines 93-936, 004 lines 20-227)."""
    rulesets = catalog.of_kind(KIND)
    assert {r.id for r in rulesets} == {CAMPAIGN, ORDER_2018, AMENDED}
    for ruleset in rulesets:
        rows = rows_of(ruleset)
        assert rows, ruleset.id
        assert all(1 <= row.minimum_level <= 3 for row in rows)
        assert all(row.levels[row.minimum_level] for row in rows)


def test_effective_dates_the_2018_wording_stands_and_004_is_history() -> None:
    """001 is the 2023 campaign; 002 line 67 dates appendix 1 to order No. 371 of 24.07.2018;
    004 amends two course tables (line 4) that order No. 239 of 23.05.2017 had merged into one
    (002 lines 23-25, 1309): it is older, in force at the latest until 22.05.2017."""
    campaign, order_2018, amended = (catalog.get(i) for i in (CAMPAIGN, ORDER_2018, AMENDED))
    assert (campaign.effective_from, campaign.effective_to) == (
        date(2023, 1, 1),
        date(2023, 12, 31),
    )
    assert campaign.supersedes == (ORDER_2018,)
    assert (order_2018.effective_from, order_2018.effective_to) == (date(2018, 7, 24), None)
    assert (amended.effective_to, amended.supersedes) == (date(2017, 5, 22), ())
    assert [r.id for r in catalog.in_force(KIND, date(2019, 6, 1))] == [ORDER_2018]
    assert [r.id for r in catalog.in_force(KIND, date(2016, 6, 1))] == [AMENDED]


def _overlap(a: RowScope, b: RowScope) -> bool:
    pairs = [(a.countries, b.countries), (a.programmes, b.programmes)]
    pairs += [(a.categories, b.categories), (a.languages, b.languages)]
    pairs += [(a.directions, b.directions)]
    return all(not x or not y or bool(x & y) for x, y in pairs)


def test_rows_of_a_ruleset_do_not_overlap() -> None:
    """Each case meets at most one row of a table, so row order never decides (001, 002, 004)."""
    for ruleset in catalog.of_kind(KIND):
        for a, b in combinations(rows_of(ruleset), 2):
            assert not _overlap(a.scope, b.scope), (ruleset.id, a.source, b.source)


def test_amended_rows_hold_only_the_legible_ielts_alternative() -> None:
    """Seed 004 keeps only the first line of each cell (e.g. "Аустрия Республикасы," line 35):
    its rows list IELTS (and the Russian subject examination, lines 225-227), nothing invented."""
    tests = {
        r.test for row in rows_of(catalog.get(AMENDED)) for lv in row.levels.values() for r in lv
    }
    assert tests == {T.IELTS, T.RUSSIAN_GRADE}


def _line_range(source_lines: str) -> tuple[int, int]:
    low, _, high = source_lines.partition("-")
    return int(low), int(high or low)


def test_every_source_line_lies_inside_its_seed() -> None:
    """Every row cites lines of its seed (001: 577 lines, 002: 1971, 004: 331)."""
    for ruleset in catalog.of_kind(KIND):
        seed = ruleset.sources[0].seed
        for row in ruleset.data["rows"]:
            low, high = _line_range(row["source_lines"])
            assert 1 <= low <= high <= SEED_LINES[seed], (ruleset.id, row["source_lines"])


# --- routes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "route"),
    [
        ("5.0", LanguageRoute.COURSES_IN_KAZAKHSTAN),
        ("6.0", LanguageRoute.COURSES_ABROAD),
        ("6.5", LanguageRoute.STRAIGHT_TO_STUDY),
        ("4.5", None),
    ],
)
def test_route_of_each_threshold_level(score: str, route: LanguageRoute | None) -> None:
    """First level: courses in Kazakhstan, second: abroad, third: academic study (002 lines
    862-866, 004 lines 192-194); 2023 quota values from 001 line 498."""
    assert assess(CAMPAIGN, case("GB"), cert(T.IELTS, score)).route is route


def test_assessment_names_ruleset_row_certificate_and_requirement() -> None:
    """The row used is cited as "<seed> lines <source_lines>" (001 lines 497-498)."""
    result = assess(CAMPAIGN, case("US", C.RURAL), cert(T.IELTS, "4.5"), cert(T.TOEFL_IBT, 80))
    assert result.ruleset_id == CAMPAIGN
    assert result.source == f"{SEED_001} lines 497-498"
    assert (result.minimum_level, result.level_reached) == (1, 3)
    assert result.certificate == "TOEFL_IBT 80"
    assert result.requirement.startswith("IELTS 5 or TOEFL_PBT 417")


def test_no_certificate_reaches_level_zero() -> None:
    """No certificate: nothing met, no route (001 line 498)."""
    result = assess(CAMPAIGN, case("GB", C.MEDICAL))
    assert (result.level_reached, result.certificate, result.route) == (0, "", None)
    assert not result.meets_minimum


# --- 2023 campaign table (seed 001) -----------------------------------------------------------


@pytest.mark.parametrize("category", [C.ENGINEERING_TECHNICAL, C.MEDICAL, C.RURAL])
@pytest.mark.parametrize(
    ("test", "at_minimum", "below"),
    [
        (T.IELTS, "5.0", "4.5"),
        (T.TOEFL_IBT, 35, 34),
        (T.TOEFL_PBT, 417, 416),
        (T.TOEFL_ITP, 417, 416),
        (T.DET, 80, 75),
        (T.IELTS_INDICATOR, "5.0", "4.5"),
    ],
)
def test_2023_quota_categories_first_threshold(
    category: Category, test: LanguageTest, at_minimum: str | int, below: str | int
) -> None:
    """Quota categories, first level: IELTS 5.0, PBT/ITP 417, iBT 35, DET 80-160, IELTS
    Indicator 5.0 (001 line 498); one step below fails."""
    profile = case("AU", category)
    assert level(CAMPAIGN, profile, cert(test, at_minimum)) == 1
    assert not assess(CAMPAIGN, profile, cert(test, below)).meets_minimum


def test_2023_quota_categories_second_and_third_thresholds() -> None:
    """Second: IELTS 6.0, iBT 60, PBT/ITP 498; third: IELTS 6.5, iBT 79, PBT/ITP 548
    (001 line 498)."""
    profile = case("CA", C.MEDICAL, P.RESIDENCY)
    assert level(CAMPAIGN, profile, cert(T.TOEFL_PBT, 498)) == 2
    assert level(CAMPAIGN, profile, cert(T.TOEFL_ITP, 547)) == 2
    assert level(CAMPAIGN, profile, cert(T.TOEFL_ITP, 548)) == 3
    assert level(CAMPAIGN, profile, cert(T.TOEFL_IBT, 78)) == 2
    assert level(CAMPAIGN, profile, cert(T.TOEFL_IBT, 79)) == 3


def test_2023_det_and_ielts_indicator_count_only_at_the_first_level() -> None:
    """DET and IELTS Indicator are named only in the first-level cell (001 line 498)."""
    profile = case("GB", C.RURAL)
    assert level(CAMPAIGN, profile, cert(T.DET, 160)) == 1
    assert level(CAMPAIGN, profile, cert(T.IELTS_INDICATOR, "8.0")) == 1


@pytest.mark.parametrize(
    ("category", "programme"),
    [(C.SELF_ADMITTED_MASTERS, P.MASTERS), (C.SELF_ADMITTED_DOCTORATE_RESIDENCY, P.DOCTORATE)],
)
def test_2023_self_admitted_only_third_threshold(category: Category, programme: Programme) -> None:
    """Self-admitted ("Самостоятельно поступившие"): "-", "-", IELTS 6.0 / iBT 60 / PBT-ITP 498
    (001 line 499)."""
    profile = case("NZ", category, programme)
    result = assess(CAMPAIGN, profile, cert(T.IELTS, "6.0"))
    assert (result.minimum_level, result.route) == (3, LanguageRoute.STRAIGHT_TO_STUDY)
    assert not assess(CAMPAIGN, profile, cert(T.IELTS, "5.5")).meets_minimum
    assert not assess(CAMPAIGN, profile, cert(T.TOEFL_IBT, 59)).meets_minimum


@pytest.mark.parametrize("category", [C.ENGINEERING_TECHNICAL, C.CIVIL_SERVANT, C.AGRO_INDUSTRIAL])
def test_2023_internship_det_75(category: Category) -> None:
    """Internships ("Стажировки"): only the third level, IELTS 5.0 / iBT 35 / PBT-ITP 417 /
    DET 75 and above (001 line 500), for every internship category (001 lines 71-79)."""
    profile = case("DE", category, P.INTERNSHIP)
    result = assess(CAMPAIGN, profile, cert(T.DET, 75))
    assert (result.minimum_level, result.route) == (3, LanguageRoute.STRAIGHT_TO_STUDY)
    assert result.source == f"{SEED_001} lines 497-500"
    assert not assess(CAMPAIGN, profile, cert(T.DET, 70)).meets_minimum
    assert not assess(CAMPAIGN, profile, cert(T.TOEFL_IBT, 34)).meets_minimum


def test_2023_table_has_no_general_competition_nor_other_languages() -> None:
    """001 lines 497-500 name three quota categories, the self-admitted and internships, English."""
    with pytest.raises(NoThresholdRowError):
        assess(CAMPAIGN, case("GB", C.GENERAL), cert(T.IELTS, "7.0"))
    with pytest.raises(NoThresholdRowError):
        assess(CAMPAIGN, case("DE", language="de"), cert(T.GOETHE, "C1"))


# --- fallback between rulesets ----------------------------------------------------------------


def test_2023_general_competition_falls_back_to_the_2018_order() -> None:
    """General competition is not in 001 (lines 497-500); 002's appendix 1 ("Общий конкурс",
    lines 297-302) decides: IELTS 6.5 with no band condition. The older 004 wording's "writing
    at least 6.5" (004 lines 58-60) does not apply: IELTS 6.5 with writing 6.0 goes straight to
    study."""
    result = assess_language(
        campaign_chain(), case("GB", C.GENERAL), [ielts("6.5", lowest="6.0", writing="6.0")]
    )
    assert result.ruleset_id == ORDER_2018
    assert result.route is LanguageRoute.STRAIGHT_TO_STUDY
    older = assess(AMENDED, case("GB", C.GENERAL), ielts("6.5", lowest="6.0", writing="6.0"))
    assert older.route is None  # what 004 said, kept only for decisions stamped with it


def test_toefl_itp_counts_in_order_318_only_within_the_competition() -> None:
    """002 line 858, footnote ** on "ITP**": an ITP certificate is accepted only when taken in
    the testing of the Bolashak competition. Order 318's rows ignore any other ITP, and the
    assessment says why."""
    profile = case("US")
    assert level(ORDER_2018, profile, cert(T.TOEFL_ITP, 500)) == 2
    outside = assess(ORDER_2018, profile, cert(T.TOEFL_ITP, 500, within=False))
    assert outside.level_reached == 0
    assert outside.not_counted == (
        f"TOEFL_ITP 500 not taken within the Bolashak competition ({SEED_002} line 858)",
    )
    assert level(ORDER_2018, profile, cert(T.TOEFL_PBT, 500, within=False)) == 2


def test_toefl_itp_counts_in_the_2023_table_as_printed() -> None:
    """001 line 498 lists "ITP 417 из 677" without Order 318's condition: read as printed."""
    profile = case("GB", C.RURAL)
    assert level(CAMPAIGN, profile, cert(T.TOEFL_ITP, 417, within=False)) == 1


def test_german_study_in_2023_falls_back_to_the_2018_order() -> None:
    """German certificates appear only in 002 (lines 201-216); 001 and 004 (as legible) have
    English rows only."""
    profile = case("DE", language="de")
    result = assess_language(campaign_chain(), profile, [cert(T.TESTDAF, "TDN4")])
    assert (result.ruleset_id, result.level_reached) == (ORDER_2018, 3)


def test_no_threshold_row_error_names_the_case_and_rulesets() -> None:
    """Teachers (001 line 76) have no row in any language table in force (001, 002)."""
    profile = case("GB", C.TEACHER)
    with pytest.raises(NoThresholdRowError) as raised:
        assess_language(campaign_chain(), profile, [cert(T.IELTS, "7.0")])
    message = str(raised.value)
    for part in ("GB", "masters", "teacher", "en", CAMPAIGN, ORDER_2018):
        assert part in message
    assert raised.value.ruleset_ids == (CAMPAIGN, ORDER_2018)


def test_rows_are_parsed_once_per_ruleset_id() -> None:
    """Parsing is cached by ruleset id (the tables never change in place, catalog docstring)."""
    ruleset = catalog.get(ORDER_2018)
    assert rows_of(ruleset) is rows_of(ruleset)


def test_ruleset_of_another_kind_is_refused() -> None:
    """Only ``language_thresholds`` rulesets hold threshold rows."""
    other = Ruleset("not-thresholds", "language_courses", "x", (Source(SEED_002, "x"),))
    with pytest.raises(ValueError, match="kind"):
        assess_language([other], case("GB"), [])


# --- amended Order 318 appendix 1 (seed 004) --------------------------------------------------


def test_amended_general_competition_every_band_and_writing() -> None:
    """General competition, "IELTS: 9.0-ден 6.5 (әр блок бойынша кемінде 6.0 және writing
    кемінде 6.5)" (004 line 33): a band of 5.5 fails, writing 6.0 fails, an overall score without
    bands fails."""
    profile = case("AU", C.GENERAL)
    assert level(AMENDED, profile, ielts("6.5", lowest="6.0")) == 3
    assert level(AMENDED, profile, ielts("6.5", lowest="5.5")) == 0
    assert level(AMENDED, profile, ielts("7.0", writing="6.0")) == 0
    assert level(AMENDED, profile, cert(T.IELTS, "8.0")) == 0
    assert assess(AMENDED, profile).minimum_level == 3


def test_amended_korea_every_band_without_writing_minimum() -> None:
    """Korea: "IELTS: 9.0-ден 6.5 (әр блок бойынша кемінде 6.0)" (004 line 174): writing 6.0
    passes, a band of 5.5 fails."""
    profile = case("KR", C.GENERAL)
    assert level(AMENDED, profile, ielts("6.5", writing="6.0")) == 3
    assert level(AMENDED, profile, ielts("6.5", lowest="5.5")) == 0


def test_amended_engineering_levels() -> None:
    """Australia: first 5.0 (line 24, shared with the internship row), second 6.0 (line 27),
    third 7.0 (line 28)."""
    profile = case("AU", C.SELF_ADMITTED_DOCTORATE_RESIDENCY, P.DOCTORATE)
    assert level(AMENDED, profile, cert(T.IELTS, "5.0")) == 1
    assert level(AMENDED, profile, cert(T.IELTS, "6.5")) == 2
    assert level(AMENDED, profile, cert(T.IELTS, "7.0")) == 3
    assert not assess(AMENDED, profile, cert(T.IELTS, "4.5")).meets_minimum


def test_amended_civil_servant_first_threshold_5_5() -> None:
    """Civil servants ("Мемлекеттік қызметші"): IELTS 5.5 (004 line 30); Austria also has a
    second level 6.0 (line 44)."""
    assert level(AMENDED, case("AU", C.MASS_MEDIA), cert(T.IELTS, "6.0")) == 1
    assert not assess(AMENDED, case("AU", C.CIVIL_SERVANT), cert(T.IELTS, "5.0")).meets_minimum
    assert level(AMENDED, case("DE", C.CIVIL_SERVANT), cert(T.IELTS, "6.0")) == 2


def test_amended_rows_lost_in_the_seed_are_not_guessed() -> None:
    """Italy's internship cell is blank in the seed (004 line 62): no row, so the 2018 order
    (002 lines 304-323) decides."""
    with pytest.raises(NoThresholdRowError):
        assess(AMENDED, case("IT", programme=P.INTERNSHIP), cert(T.IELTS, "5.0"))
    chain = [catalog.get(AMENDED), catalog.get(ORDER_2018)]
    result = assess_language(chain, case("IT", programme=P.INTERNSHIP), [cert(T.IELTS, "5.0")])
    assert result.ruleset_id == ORDER_2018


# --- Order 318 appendix 1, 2018 wording (seed 002) -------------------------------------------


def test_order318_internship_first_threshold_only() -> None:
    """Internship ("Стажировка"): IELTS 5.0 / ITP-PBT 417 / IBT 35 as the first level, second
    "_" (002 lines 133-146)."""
    profile = case("AU", C.CIVIL_SERVANT, P.INTERNSHIP)
    result = assess(ORDER_2018, profile, cert(T.IELTS, "8.0"))
    assert (result.minimum_level, result.route) == (1, LanguageRoute.COURSES_IN_KAZAKHSTAN)
    assert not assess(ORDER_2018, profile, cert(T.TOEFL_IBT, 34)).meets_minimum


def test_order318_engineering_three_levels() -> None:
    """Engineering / self-admitted: 5.0 (line 137, merged), 6.0 / 500 / 60 (lines 153-156),
    7.0 / 600 / 100 (lines 159-162)."""
    profile = case("US")
    assert level(ORDER_2018, profile, cert(T.TOEFL_IBT, 35)) == 1
    assert level(ORDER_2018, profile, cert(T.TOEFL_ITP, 500)) == 2
    assert level(ORDER_2018, profile, cert(T.TOEFL_PBT, 599)) == 2
    assert level(ORDER_2018, profile, cert(T.IELTS, "7.0")) == 3


def test_order318_civil_servants_first_5_5_third_shared() -> None:
    """Civil-servant group: IELTS 5.5 / 457 / 46 (lines 164-172), no second level, third from
    the engineering row (lines 159-162)."""
    profile = case("GB", C.SCIENTIFIC_PEDAGOGICAL)
    assert not assess(ORDER_2018, profile, cert(T.IELTS, "5.0")).meets_minimum
    assert level(ORDER_2018, profile, cert(T.TOEFL_IBT, 46)) == 1
    assert level(ORDER_2018, profile, cert(T.IELTS, "6.5")) == 1
    assert level(ORDER_2018, profile, cert(T.IELTS, "7.0")) == 3


def test_order318_general_competition_third_only() -> None:
    """General competition ("Общий конкурс"): IELTS 6.5 / ITP-PBT 550 / IBT 79 (lines 297-302)."""
    profile = case("IE", C.GENERAL)
    result = assess(ORDER_2018, profile, cert(T.TOEFL_IBT, 79))
    assert (result.minimum_level, result.level_reached) == (3, 3)
    assert not assess(ORDER_2018, profile, cert(T.IELTS, "6.0")).meets_minimum


def test_order318_belgium_denmark_latvia_only_self_admitted() -> None:
    """Note: "Королевство Дания, Королевство Бельгия, Латвийская Республика только для
    категории «Самостоятельно поступившие на докторантуру/резидентуру»" (002 line 272)."""
    with pytest.raises(NoThresholdRowError):
        assess(ORDER_2018, case("BE"), cert(T.IELTS, "7.0"))
    profile = case("DK", C.SELF_ADMITTED_DOCTORATE_RESIDENCY, P.RESIDENCY)
    assert level(ORDER_2018, profile, cert(T.IELTS, "7.0")) == 3


def test_order318_germany_goethe_testdaf_dsh() -> None:
    """Study in German: second Goethe A1 / DAAD 5.0 / OnSet A2 (lines 208-210), third Goethe C1,
    Test-DaF 4, DSH 2 (lines 215-216); English certificates do not count for German study."""
    profile = case("DE", language="de")
    result = assess(ORDER_2018, profile, cert(T.GOETHE, "A1"))
    assert (result.minimum_level, result.route) == (2, LanguageRoute.COURSES_ABROAD)
    assert level(ORDER_2018, profile, cert(T.TESTDAF, "TDN3")) == 0
    assert level(ORDER_2018, profile, cert(T.TESTDAF, "TDN4")) == 3
    assert level(ORDER_2018, profile, cert(T.DSH, "DSH-2")) == 3
    assert level(ORDER_2018, profile, cert(T.GOETHE, "B2")) == 2
    assert level(ORDER_2018, profile, cert(T.IELTS, "8.0")) == 0


def test_order318_china_hsk() -> None:
    """Study in Chinese: HSK 3 second, HSK 6 third (lines 439, 445); general HSK 5 (line 463)."""
    assert level(ORDER_2018, case("CN", language="zh"), cert(T.HSK, "HSK3")) == 2
    assert level(ORDER_2018, case("CN", language="zh"), cert(T.HSK, "HSK5")) == 2
    assert level(ORDER_2018, case("CN", C.GENERAL, language="zh"), cert(T.HSK, "HSK5")) == 3
    general = case("CN", C.GENERAL, language="zh")
    assert not assess(ORDER_2018, general, cert(T.HSK, "HSK4")).meets_minimum


def test_order318_china_residency_only_in_chinese() -> None:
    """Note: "Обучение по программе «резидентура» осуществляется только на китайском языке"
    (002 line 429)."""
    residency = case("CN", C.SELF_ADMITTED_DOCTORATE_RESIDENCY, P.RESIDENCY)
    with pytest.raises(NoThresholdRowError):
        assess(ORDER_2018, residency, cert(T.IELTS, "7.0"))
    in_chinese = case("CN", C.SELF_ADMITTED_DOCTORATE_RESIDENCY, P.RESIDENCY, "zh")
    assert level(ORDER_2018, in_chinese, cert(T.HSK, "HSK6")) == 3


def test_order318_japan_jlpt() -> None:
    """Study in Japanese: Nouryekushiken 5 level second, 1 third (lines 826, 832)."""
    profile = case("JP", C.CIVIL_SERVANT, language="ja")
    assert not assess(ORDER_2018, profile, cert(T.JLPT, "N2")).meets_minimum
    assert level(ORDER_2018, profile, cert(T.JLPT, "N1")) == 3
    engineer = case("JP", language="ja")
    assert level(ORDER_2018, engineer, cert(T.JLPT, "N5")) == 2
    assert level(ORDER_2018, engineer, cert(T.JLPT, "N2")) == 2


def test_order318_japan_ielts_6_55_left_out() -> None:
    """Japan's "IELTS: 6.55 (по каждому блоку не менее 6.0)" (002 line 828) is not an IELTS
    score: the third level keeps TOEFL ITP/PBT 550, iBT 79 (lines 829-831)."""
    assert level(ORDER_2018, case("JP"), cert(T.IELTS, "9.0")) == 2
    assert level(ORDER_2018, case("JP"), cert(T.TOEFL_IBT, 79)) == 3


def test_order318_korea_topik_and_band_condition() -> None:
    """Korea: TOPIK level 1 / 5 (lines 773, 778), general TOPIK 4 (line 796); engineering third
    "IELTS 6.5 (по каждому блоку не менее 6.0)" and PBT only (lines 775-777)."""
    assert level(ORDER_2018, case("KR", C.GENERAL, language="ko"), cert(T.TOPIK, "TOPIK4")) == 3
    assert level(ORDER_2018, case("KR", language="ko"), cert(T.TOPIK, "TOPIK4")) == 2
    assert level(ORDER_2018, case("KR"), ielts("6.5", lowest="5.5")) == 2
    assert level(ORDER_2018, case("KR"), ielts("6.5", lowest="6.0")) == 3
    assert level(ORDER_2018, case("KR"), cert(T.TOEFL_ITP, 600)) == 2


def test_order318_italian_french_dutch_norwegian_finnish() -> None:
    """CILS Tre-C1/CELI 4 (line 356), TCF 500/DALF C1 (lines 683-684), PAT (C1) (line 519),
    Bergentest (C1) (line 575), YKI 3 / YKI 5 (lines 623, 629)."""
    general = C.GENERAL
    assert level(ORDER_2018, case("IT", general, language="it"), cert(T.CELI, "CELI4")) == 3
    assert level(ORDER_2018, case("FR", general, language="fr"), cert(T.TCF, 499)) == 0
    assert level(ORDER_2018, case("FR", general, language="fr"), cert(T.DELF_DALF, "C1")) == 3
    assert level(ORDER_2018, case("NL", general, language="nl"), cert(T.CNAVT, "C1")) == 3
    assert level(ORDER_2018, case("NO", general, language="no"), cert(T.BERGENTEST, "C1")) == 3
    finnish = case("FI", C.SELF_ADMITTED_DOCTORATE_RESIDENCY, P.DOCTORATE, "fi")
    assert level(ORDER_2018, finnish, cert(T.YKI, "YKI3")) == 2
    assert level(ORDER_2018, finnish, cert(T.YKI, "YKI5")) == 3


def test_order318_russia_subject_examination() -> None:
    """Russia: "Предметные экзамены" (line 593); Russian language "Не менее оценки «хорошо»"
    (lines 934-936)."""
    profile = case("RU", C.CULTURE_CREATIVE, language="ru")
    assert (
        assess(ORDER_2018, profile, cert(T.RUSSIAN_GRADE, 4)).route
        is LanguageRoute.STRAIGHT_TO_STUDY
    )
    assert not assess(ORDER_2018, profile, cert(T.RUSSIAN_GRADE, 3)).meets_minimum
