"""Foreign-language certificates named in the regulations and the scale each is scored on.

Order 318 appendix 1 and 7 (seeds 002, 004) and the 2023 table (seed 001) name these
certificates. Scores on a numeric scale are kept as numbers; level-based certificates
(CEFR, HSK, TOPIK, JLPT...) are kept as an ordinal so that "at least B2" is a comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")


class LanguageTest(Enum):
    IELTS = "IELTS"
    IELTS_INDICATOR = "IELTS_INDICATOR"
    TOEFL_IBT = "TOEFL_IBT"
    TOEFL_PBT = "TOEFL_PBT"
    TOEFL_ITP = "TOEFL_ITP"
    DET = "DET"  # Duolingo English Test
    GOETHE = "GOETHE"  # Goethe-Zertifikat A1..C2 (Start Deutsch 2 = A2)
    TESTDAF = "TESTDAF"  # TestDaF TDN 3..5
    DSH = "DSH"  # DSH-1..DSH-3
    ONSET = "ONSET"  # onSET-Deutsch A1..C1
    DAAD = "DAAD"  # DAAD language certificate, points of 10
    CILS = "CILS"  # A1..C2 (Uno = B1, Due = B2, Tre = C1, Quattro = C2)
    CELI = "CELI"  # CELI 1..5 (1 = A2 .. 5 = C2)
    HSK = "HSK"  # HSK 1..6
    CNAVT = "CNAVT"  # Dutch profiles: PTIT = A2, PMT = B1, PPT = B2, PAT = C1
    NORSKPROVE = "NORSKPROVE"  # Norskprøve A1..B2
    BERGENTEST = "BERGENTEST"  # Bergenstest B2..C1
    YKI = "YKI"  # Finnish national certificate, levels 1..6
    TCF = "TCF"  # Test de connaissance du français, 100..699
    DELF_DALF = "DELF_DALF"  # DELF A1..B2, DALF C1..C2
    TOPIK = "TOPIK"  # levels 1..6
    JLPT = "JLPT"  # Nihongo Noryoku Shiken, N5..N1
    RUSSIAN_GRADE = "RUSSIAN_GRADE"  # Russian language exam graded 2..5 (4 = "good")


@dataclass(frozen=True)
class TestScale:
    """How one certificate is scored: a numeric range with a step, or named levels."""

    low: Decimal
    high: Decimal
    step: Decimal
    levels: tuple[str, ...] = ()  # level names, lowest first; ordinal = index + 1

    def describe(self) -> str:
        if self.levels:
            return "one of " + ", ".join(self.levels)
        return f"{self.low} to {self.high} in steps of {self.step}"


def _levels(*names: str) -> TestScale:
    return TestScale(Decimal(1), Decimal(len(names)), Decimal(1), tuple(names))


def _range(low: str, high: str, step: str = "1") -> TestScale:
    return TestScale(Decimal(low), Decimal(high), Decimal(step))


SCALES: dict[LanguageTest, TestScale] = {
    LanguageTest.IELTS: _range("0", "9", "0.5"),
    LanguageTest.IELTS_INDICATOR: _range("0", "9", "0.5"),
    LanguageTest.TOEFL_IBT: _range("0", "120"),
    LanguageTest.TOEFL_PBT: _range("310", "677"),
    LanguageTest.TOEFL_ITP: _range("310", "677"),
    LanguageTest.DET: _range("10", "160", "5"),
    LanguageTest.GOETHE: _levels(*CEFR_LEVELS),
    LanguageTest.TESTDAF: _levels("TDN2", "TDN3", "TDN4", "TDN5"),
    LanguageTest.DSH: _levels("DSH-1", "DSH-2", "DSH-3"),
    LanguageTest.ONSET: _levels(*CEFR_LEVELS),
    LanguageTest.DAAD: _range("0", "10", "0.5"),
    LanguageTest.CILS: _levels(*CEFR_LEVELS),
    LanguageTest.CELI: _levels("CELI1", "CELI2", "CELI3", "CELI4", "CELI5"),
    LanguageTest.HSK: _levels("HSK1", "HSK2", "HSK3", "HSK4", "HSK5", "HSK6"),
    LanguageTest.CNAVT: _levels(*CEFR_LEVELS),
    LanguageTest.NORSKPROVE: _levels(*CEFR_LEVELS),
    LanguageTest.BERGENTEST: _levels(*CEFR_LEVELS),
    LanguageTest.YKI: _levels("YKI1", "YKI2", "YKI3", "YKI4", "YKI5", "YKI6"),
    LanguageTest.TCF: _range("100", "699"),
    LanguageTest.DELF_DALF: _levels(*CEFR_LEVELS),
    LanguageTest.TOPIK: _levels("TOPIK1", "TOPIK2", "TOPIK3", "TOPIK4", "TOPIK5", "TOPIK6"),
    LanguageTest.JLPT: _levels("N5", "N4", "N3", "N2", "N1"),
    LanguageTest.RUSSIAN_GRADE: _range("2", "5"),
}


def score_of(test: LanguageTest, value: str | int | float | Decimal) -> Decimal:
    """The comparable score of a certificate result: a number, or a level's ordinal.

    Raises ``ValueError`` naming the scale when the value is not on it.
    """
    scale = SCALES[test]
    if scale.levels and isinstance(value, str) and not _is_number(value):
        label = value.strip().upper()
        if label not in scale.levels:
            raise ValueError(f"{test.value} result must be {scale.describe()}, got {value!r}")
        return Decimal(scale.levels.index(label) + 1)
    score = Decimal(str(value))
    if not score.is_finite():  # NaN cannot be compared with the scale's ends
        raise ValueError(f"{test.value} result must be {scale.describe()}, got {value}")
    if not scale.low <= score <= scale.high or (score - scale.low) % scale.step != 0:
        raise ValueError(f"{test.value} result must be {scale.describe()}, got {value}")
    return score


def label_of(test: LanguageTest, score: Decimal) -> str:
    """The human form of a score: the level name for level-based certificates."""
    scale = SCALES[test]
    if scale.levels:
        return scale.levels[int(score) - 1]
    return str(int(score)) if score == score.to_integral() else str(score.normalize())


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True
