"""What an applicant brings: the KazTest result, foreign-language certificates, the GPA."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from domain.language_tests import LanguageTest, label_of


@dataclass(frozen=True)
class KazTest:
    """State-language test (КАЗТЕСТ): correct answers out of 150 (002 appendix 1, 001)."""

    correct_answers: int
    total_questions: int = 150


@dataclass(frozen=True)
class IeltsBands:
    listening: Decimal
    reading: Decimal
    writing: Decimal
    speaking: Decimal

    def lowest(self) -> Decimal:
        return min(self.listening, self.reading, self.writing, self.speaking)


@dataclass(frozen=True)
class LanguageCertificate:
    """One certificate: the test, its comparable score (see ``language_tests.score_of``)
    and, for IELTS, the four band scores when the applicant gave them."""

    test: LanguageTest
    score: Decimal
    bands: IeltsBands | None = None
    # taken in the testing of the Bolashak competition itself: Order 318 accepts TOEFL ITP
    # only so (002 line 858, footnote **)
    within_competition: bool = False

    @property
    def label(self) -> str:
        return f"{self.test.value} {label_of(self.test, self.score)}"


class GradeScale(Enum):
    """Scales a bachelor's GPA is reported on (002 appendix 5 and 001)."""

    FOUR = "4.00"
    FOUR_THIRTY_THREE = "4.33"
    FIVE = "5.00"
    PERCENT = "percent"
    LETTER = "letter"
    OTHER = "other"  # not in the equivalence table: the Ministry decides case by case


@dataclass(frozen=True)
class Gpa:
    """A GPA as written on the diploma supplement: a number, or a letter on the LETTER scale."""

    value: str
    scale: GradeScale
