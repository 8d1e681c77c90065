"""Test data: synthetic applicants and packages that meet (or break) the 2023 requirements."""

from __future__ import annotations

import dataclasses
import random
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from domain.case.meta import CommandContext, Role
from domain.commands import SubmitApplication
from domain.iin import make_iin
from domain.language_tests import LanguageTest
from domain.programme import Category, Programme, StudyDirection, StudyLanguage
from domain.qualifications import Gpa, GradeScale, IeltsBands, KazTest, LanguageCertificate
from domain.submission import ApplicantIdentity, Background, Document, StudyPlan
from infra.simulation.people import synthetic_applicant

SUBMITTED_ON = date(2023, 4, 20)  # inside the second 2023 window (3-28 April, seed 001)


def synthetic_iin(born: date = date(1996, 5, 17), *, female: bool = True) -> str:
    for serial in range(1, 10_000):
        iin = make_iin(born, female=female, serial=serial)
        if iin is not None:
            return iin
    raise AssertionError("no serial gives a valid IIN")


def applicant(**changes: Any) -> ApplicantIdentity:
    born = changes.pop("birth_date", date(1996, 5, 17))
    base = ApplicantIdentity(
        full_name="Temirbekova Aigerim",
        iin=synthetic_iin(born),
        birth_date=born,
        email="aigerim.t@example.kz",
        phone="+77011234567",
    )
    return dataclasses.replace(base, **changes)


def unique_applicant() -> ApplicantIdentity:
    """An identity no other case of a (shared) store has: searching for its name, IIN or
    contacts finds this applicant only. A synthetic person of a random seed (its IIN and
    phone drawn from millions), named and addressed by a fresh uuid."""
    person = synthetic_applicant(random.Random(uuid4().int))
    tag = uuid4().hex
    return dataclasses.replace(
        person, full_name=f"Erasable {tag[:10]}", email=f"{tag[10:22]}@example.kz"
    )


def ielts(
    score: str, band: str | None = None, *, writing: str | None = None
) -> LanguageCertificate:
    """An IELTS result: every band at ``band`` (default: the score), writing at ``writing``."""
    b = Decimal(band or score)
    w = Decimal(writing) if writing else b
    return LanguageCertificate(LanguageTest.IELTS, Decimal(score), IeltsBands(b, b, w, b))


def certificate(test: LanguageTest, score: str) -> LanguageCertificate:
    return LanguageCertificate(test, Decimal(score))


def plan(
    programme: Programme = Programme.MASTERS,
    category: Category = Category.RURAL,
    **changes: Any,
) -> StudyPlan:
    direction = {
        Category.ENGINEERING_TECHNICAL: StudyDirection.TECHNICAL,
        Category.MEDICAL: StudyDirection.MEDICAL,
    }.get(category, StudyDirection.TECHNICAL)
    base = StudyPlan(
        programme=programme,
        category=category,
        country="GB",
        institution="University of Edinburgh",
        institution_recommended=True,
        specialty="Hydrology",
        specialty_priority=True,
        direction=direction,
        language=StudyLanguage.ENGLISH,
    )
    return dataclasses.replace(base, **changes)


def background(**changes: Any) -> Background:
    """Meets every 2023 requirement of every category (001)."""
    base = Background(
        kaztest=KazTest(120),
        certificates=(ielts("7.0"),),
        gpa=Gpa("3.40", GradeScale.FOUR),
        bachelor_specialty="Water Resources",
        bachelor_specialty_related=True,
        unconditional_invitation=True,
        employer="Synthetic Water LLP",
        position="engineer",
        total_work_months=60,
        field_work_months_last_12=12,
        rural_residence_months=60,
        rural_work_months=36,
        manages_production_process=True,
        direct_medical_care=True,
        higher_medical_education=True,
        medical_work_months=24,
        documents=tuple(Document),
    )
    return dataclasses.replace(base, **changes)


def submission(**changes: Any) -> SubmitApplication:
    return SubmitApplication(
        applicant=changes.pop("applicant", applicant()),
        plan=changes.pop("plan", plan()),
        background=changes.pop("background", background()),
    )


def context(
    key: str,
    on: date = SUBMITTED_ON,
    role: Role = Role.OFFICER,
    actor: str = "officer-1",
    reason: str = "",
) -> CommandContext:
    return CommandContext(
        actor_id=actor, role=role, idempotency_key=key, occurred_on=on, reason=reason
    )


def slot(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour)
