"""IIN validation: 12 digits, the birth date part, and the two-pass check digit."""

from __future__ import annotations

from datetime import date

import pytest

from domain.iin import InvalidIinError, check_digit, validate_iin
from tests.support.builders import synthetic_iin


def test_a_synthetic_iin_with_its_check_digit_is_valid() -> None:
    iin = synthetic_iin(date(1996, 5, 17))
    assert validate_iin(iin) == date(1996, 5, 17)


def test_first_pass_weights_1_to_11_give_the_check_digit() -> None:
    # 1*9+2*6+3*0+4*5+5*1+6*7+7*4+8*0+9*0+10*1+11*2 = 148; 148 % 11 = 5
    assert check_digit("96051740012") == 5


def test_second_pass_weights_are_used_when_the_first_gives_ten() -> None:
    eleven = next(
        f"{n:011d}"
        for n in range(10**10, 10**10 + 10_000)
        if sum(int(d) * w for d, w in zip(f"{n:011d}", range(1, 12), strict=True)) % 11 == 10
    )
    second = (
        sum(int(d) * w for d, w in zip(eleven, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2), strict=True))
        % 11
    )
    assert check_digit(eleven) == (None if second == 10 else second)


def test_wrong_check_digit_is_refused() -> None:
    iin = synthetic_iin()
    wrong = iin[:11] + str((int(iin[11]) + 1) % 10)
    with pytest.raises(InvalidIinError) as e:
        validate_iin(wrong)
    assert e.value.rule == "iin_check_digit"


@pytest.mark.parametrize(
    "text", ["12345678901", "1234567890123", "96051A400125", "９６０５１７４００１２５"]
)
def test_iin_must_be_exactly_twelve_ascii_digits(text: str) -> None:
    with pytest.raises(InvalidIinError) as e:
        validate_iin(text)
    assert e.value.rule == "iin_format"


def test_birth_date_part_must_be_a_real_date() -> None:
    with pytest.raises(InvalidIinError) as e:
        validate_iin("960231400125")
    assert e.value.rule == "iin_birth_date"


def test_seventh_digit_must_name_a_century() -> None:
    with pytest.raises(InvalidIinError) as e:
        validate_iin("960517700125")
    assert e.value.rule == "iin_century_digit"
