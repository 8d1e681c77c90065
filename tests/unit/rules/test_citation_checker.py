"""The citation checker (tests/support/citations.py) fails on a wrong citation.

Each test cites the real seed 001 (or 002), once at the right lines and once at wrong ones.
"""

from __future__ import annotations

from typing import Any

from domain.rules.catalog import parse_ruleset
from domain.rules.ruleset import Ruleset
from tests.support.citations import citations, problems, prose_citations
from tests.support.seeds import SEED_001, SEED_002, SEED_BY_NUMBER, copied_seed_lines


def ruleset(*, sources_lines: str = "40-53", **data: Any) -> Ruleset:
    return parse_ruleset(
        {
            "id": "test-ruleset",
            "kind": "test",
            "title": "a ruleset under test",
            "sources": [{"seed": SEED_001, "section": "Прием документов", "lines": sources_lines}],
            **data,
        }
    )


def found(subject: Ruleset) -> list[str]:
    return [p for c in citations(subject) for p in problems(c, copied_seed_lines)]


SELF_ADMITTED = {"categories": ["self_admitted_masters"]}


def test_a_block_cited_at_the_line_of_its_rule_passes() -> None:
    """001 line 499: "Самостоятельно поступившие"."""
    block = {**SELF_ADMITTED, "source_lines": "499", "keywords": ["Самостоятельно поступившие"]}
    assert found(ruleset(categories=[block])) == []


def test_the_same_block_cited_at_wrong_lines_fails_naming_them() -> None:
    """001 lines 556-557 (the old citation) hold no word of the rule."""
    block = {**SELF_ADMITTED, "source_lines": "556-557", "keywords": ["Самостоятельно поступившие"]}
    assert found(ruleset(categories=[block])) == [
        "test-ruleset categories[0]: 001_ae4fa7f8f80c9f9c.txt lines 556-557: lines 556-557 "
        "contain none of ['Самостоятельно поступившие']"
    ]


def test_a_right_range_does_not_cover_for_a_wrong_one_beside_it() -> None:
    block = {**SELF_ADMITTED, "source_lines": "499, 556-557", "keywords": ["Самостоятельно"]}
    problems_found = found(ruleset(categories=[block]))
    assert len(problems_found) == 1
    assert "lines 556-557 contain none of" in problems_found[0]


def test_lines_beyond_the_seed_fail() -> None:
    block = {"source_lines": "570-590", "keywords": ["bolashak"]}
    assert "are not in the seed (577 lines)" in found(ruleset(categories=[block]))[0]


def test_a_citation_with_nothing_to_look_for_fails_asking_for_keywords() -> None:
    block = {"programmes": ["masters"], "source_lines": "94"}
    assert "add keywords = [...]" in found(ruleset(categories=[block]))[0]


def test_a_seed_not_in_the_test_data_fails() -> None:
    subject = parse_ruleset(
        {
            "id": "test-ruleset",
            "kind": "test",
            "title": "cites the 2023-2029 concept",
            "sources": [{"seed": "003_0ca6573a83f85cd1.txt", "section": "x", "lines": "1"}],
        }
    )
    assert "is not among the test data" in found(subject)[0]


class TestNumbersOfTheRule:
    def test_a_certificate_minimum_is_found_in_its_row(self) -> None:
        """001 line 500: "IELTS: 5.0 из 9.0 ... DET от 75 и выше"."""
        row = {"source_lines": "500", "third": [{"test": "DET", "min": "75"}]}
        assert found(ruleset(rows=[row])) == []

    def test_a_minimum_the_cited_lines_do_not_have_fails(self) -> None:
        """001 line 499 has IELTS 6.0 and iBT 60, not DET 75."""
        row = {"source_lines": "499", "third": [{"test": "DET", "min": "75"}]}
        assert "lines 499-499 contain none of ['75']" in found(ruleset(rows=[row]))[0]

    def test_a_number_is_matched_whole(self) -> None:
        """001 line 499 has "498" and "60 из 120": neither "49", "6.0" twice nor "12" match."""
        for value in ("49", "12", "98"):
            row = {"source_lines": "499", "third": [{"test": "X", "min": value}]}
            assert found(ruleset(rows=[row])), value

    def test_a_decimal_comma_reads_as_a_point(self) -> None:
        """001 line 240: "GPA 3,00 (ИЗ 4.00/4.33)"."""
        assert found(ruleset(gpa_minimum={"source_lines": "240", "4.00": "3.00"})) == []

    def test_a_level_written_in_cyrillic_is_found(self) -> None:
        """001 line 102: "не менее уровня В1" with a Cyrillic В."""
        assert found(ruleset(kaztest={"source_lines": "102", "level": "B1"})) == []

    def test_months_are_found_with_their_unit(self) -> None:
        """002 lines 1646-1650: "HSK 4 из HSK 6 ... 9 месяцев"; 12 months are not there."""
        nine = {"source_lines": "1646-1650", "months_abroad": 9}
        twelve = {"source_lines": "1646-1650", "months_abroad": 12}
        rows = parse_ruleset(
            {
                "id": "courses",
                "kind": "test",
                "title": "courses",
                "sources": [{"seed": SEED_002, "section": "Приложение 7"}],
                "rows": [nine, twelve],
            }
        )
        assert found(rows) == [
            "courses rows[1]: 002_256c9849c3da6b40.txt lines 1646-1650: lines 1646-1650 contain "
            "none of ['12 months']"
        ]

    def test_a_source_is_checked_by_its_section_and_the_rulesets_numbers(self) -> None:
        """001 lines 36-53: "555 стипендий", "Прием документов"; lines 55-67 hold neither."""
        assert found(ruleset(sources_lines="36-53", annual_awards_target=555)) == []
        assert found(ruleset(sources_lines="55-67", annual_awards_target=555))


class TestDocstrings:
    def test_a_docstring_citation_with_its_numbers_passes(self) -> None:
        text = "KazTest at least B1: 105 of 150 in 2023 (001 lines 100-102)."
        cited = prose_citations(text, "doc", SEED_BY_NUMBER)
        assert [(c.seed, c.lines) for c in cited] == [(SEED_001, "100-102")]
        assert [p for c in cited for p in problems(c, copied_seed_lines)] == []

    def test_a_docstring_citation_at_wrong_lines_fails(self) -> None:
        text = "Works giving direct medical care (001 lines 362-368: «МЕДИЦИНСКУЮ ПОМОЩЬ»)."
        [cited] = prose_citations(text, "doc", SEED_BY_NUMBER)
        assert problems(cited, copied_seed_lines)
        right = prose_citations(text.replace("362-368", "369-373"), "doc", SEED_BY_NUMBER)
        assert problems(right[0], copied_seed_lines) == []

    def test_several_seeds_in_one_parenthesis_are_told_apart(self) -> None:
        text = "90 days (000 lines 36-45, 001 line 445); residence (001 lines 234-236; 000 68-69)"
        cited = prose_citations(text, "doc", SEED_BY_NUMBER)
        assert [(c.seed[:3], c.lines) for c in cited] == [
            ("000", "36-45"),
            ("001", "445"),
            ("001", "234-236"),
            ("000", "68-69"),
        ]

    def test_an_appendix_is_not_a_line(self) -> None:
        assert prose_citations("(002 appendix 1, 001)", "doc", SEED_BY_NUMBER) == []
