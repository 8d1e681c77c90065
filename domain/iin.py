"""IIN (ЖСН / ИИН), the 12-digit individual identification number of Kazakhstan.

Layout: YYMMDD (birth date), one digit for century and sex (1/2: 1800s, 3/4: 1900s,
5/6: 2000s; odd = male, even = female), four serial digits, one check digit.
The check digit is the weighted sum of the first eleven digits modulo 11 with weights
1..11; when that gives 10, weights 3..11,1,2 are used; a second 10 means the number is
invalid (the standard two-pass algorithm).
"""

from __future__ import annotations

from datetime import date

FIRST_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
CENTURY_BY_DIGIT = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}


class InvalidIinError(ValueError):
    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        super().__init__(message)


def check_digit(first_eleven: str) -> int | None:
    """The check digit for 11 digits, or None when both passes give 10."""
    digits = [int(c) for c in first_eleven]
    for weights in (FIRST_WEIGHTS, SECOND_WEIGHTS):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None


def birth_date_of(iin: str) -> date:
    """The birth date encoded in a (format-valid) IIN."""
    century = CENTURY_BY_DIGIT.get(int(iin[6]))
    if century is None:
        raise InvalidIinError("iin_century_digit", "7th digit must be 1-6 (century and sex)")
    try:
        return date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        raise InvalidIinError("iin_birth_date", "first six digits are not a valid date") from None


def validate_iin(iin: str) -> date:
    """Checks format, birth date and check digit; returns the birth date."""
    if len(iin) != 12 or not iin.isascii() or not iin.isdigit():
        raise InvalidIinError("iin_format", "must be exactly 12 digits")
    born = birth_date_of(iin)
    expected = check_digit(iin[:11])
    if expected is None:
        raise InvalidIinError("iin_check_digit", "no valid check digit exists for this number")
    if expected != int(iin[11]):
        raise InvalidIinError("iin_check_digit", "check digit does not match")
    return born


def make_iin(born: date, *, female: bool, serial: int) -> str | None:
    """A valid IIN for synthetic data, or None when this serial has no check digit."""
    century_digit = {1800: 1, 1900: 3, 2000: 5}[born.year // 100 * 100] + int(female)
    first_eleven = f"{born:%y%m%d}{century_digit}{serial:04d}"
    digit = check_digit(first_eleven)
    return None if digit is None else first_eleven + str(digit)
