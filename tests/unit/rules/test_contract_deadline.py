"""Contracts within 90 calendar days of the award (000 lines 36-45; 001 line 445)."""

from __future__ import annotations

from datetime import date, timedelta

from domain.programme import Category, Programme
from domain.rules.contract_deadline import (
    SecurityKind,
    contract_deadline,
    required_security,
)

AWARDED = date(2023, 6, 10)


def test_deadline_is_the_90th_calendar_day_after_the_award() -> None:
    assert contract_deadline(AWARDED) == AWARDED + timedelta(days=90)


def test_academic_study_is_secured_by_a_pledge_of_real_estate() -> None:
    """001 line 445: "договор залога недвижимого имущества (академическое образование)"."""
    security = required_security(Programme.MASTERS, Category.GENERAL)
    assert security.kind is SecurityKind.REAL_ESTATE_PLEDGE


def test_internship_is_secured_by_two_guarantors() -> None:
    """001 line 445: "договор гарантии с 2-мя гарантами (стажировка)"."""
    security = required_security(Programme.INTERNSHIP, Category.CIVIL_SERVANT)
    assert (security.kind, security.guarantors) == (SecurityKind.GUARANTEE, 2)


def test_rural_masters_is_secured_by_five_guarantors() -> None:
    """001 line 274: "ДОГОВОР 5-Х ГАРАНТОВ" in the rural category's procedure."""
    security = required_security(Programme.MASTERS, Category.RURAL)
    assert (security.kind, security.guarantors) == (SecurityKind.GUARANTEE, 5)
