"""Synthetic study plans and backgrounds across every programme and category.

Most generated applicants meet their category's requirements (seed 001); about one in
five breaks one or two of them, so that eligibility refusals with reasons appear too, some
leave a document of the package for later, and a few bring a GPA on a scale only the
Ministry can judge (002 line 1296), which an officer then decides.

The quota categories study in English only: the FAQ asks them for an English certificate
(000 lines 80-84, 112-116, 144-148) and the 2023 table names English tests only (001 line
498).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from domain.language_tests import LanguageTest
from domain.programme import Category, Programme, StudyDirection, StudyLanguage
from domain.qualifications import Gpa, GradeScale, IeltsBands, KazTest, LanguageCertificate
from domain.submission import Background, Document, StudyPlan

ACADEMIC_MIX: tuple[tuple[Programme, Category, int], ...] = (
    (Programme.MASTERS, Category.GENERAL, 30),
    (Programme.MASTERS, Category.RURAL, 12),
    (Programme.MASTERS, Category.ENGINEERING_TECHNICAL, 12),
    (Programme.MASTERS, Category.MEDICAL, 10),
    (Programme.MASTERS, Category.SELF_ADMITTED_MASTERS, 4),
    (Programme.RESIDENCY, Category.GENERAL, 5),
    (Programme.DOCTORATE, Category.GENERAL, 6),
    (Programme.DOCTORATE, Category.SELF_ADMITTED_DOCTORATE_RESIDENCY, 2),
)
INTERNSHIP_CATEGORIES = (
    Category.ENGINEERING_TECHNICAL,
    Category.CIVIL_SERVANT,
    Category.MEDICAL,
    Category.TEACHER,
    Category.CULTURE_TOURISM_SPORT,
    Category.MASS_MEDIA,
    Category.AGRO_INDUSTRIAL,
)
DESTINATIONS = (
    (
        "GB",
        StudyLanguage.ENGLISH,
        (
            "University of Edinburgh",
            "University of Manchester",
            "King's College London",
            "University of Glasgow",
        ),
    ),
    (
        "US",
        StudyLanguage.ENGLISH,
        ("Purdue University", "University of Michigan", "Arizona State University"),
    ),
    ("CA", StudyLanguage.ENGLISH, ("University of Toronto", "McGill University")),
    ("AU", StudyLanguage.ENGLISH, ("University of Melbourne", "Monash University")),
    ("IE", StudyLanguage.ENGLISH, ("Trinity College Dublin",)),
    ("DE", StudyLanguage.GERMAN, ("Technische Universität München", "RWTH Aachen")),
    ("KR", StudyLanguage.KOREAN, ("Seoul National University", "KAIST")),
    ("CN", StudyLanguage.CHINESE, ("Tsinghua University", "Zhejiang University")),
)
SPECIALTIES = {
    StudyDirection.TECHNICAL: (
        "Petroleum Engineering",
        "Computer Science",
        "Hydrology",
        "Materials Science",
        "Agronomy",
        "Power Engineering",
    ),
    StudyDirection.HUMANITARIAN: (
        "Public Policy",
        "Economics",
        "Education Management",
        "Journalism",
        "International Law",
    ),
    StudyDirection.MEDICAL: ("Public Health", "Oncology", "Cardiology", "Epidemiology"),
}
QUOTA = (Category.RURAL, Category.ENGINEERING_TECHNICAL, Category.MEDICAL)
HIGH_LEVEL = {
    StudyLanguage.GERMAN: LanguageCertificate(LanguageTest.GOETHE, Decimal(5)),  # C1
    StudyLanguage.KOREAN: LanguageCertificate(LanguageTest.TOPIK, Decimal(5)),
    StudyLanguage.CHINESE: LanguageCertificate(LanguageTest.HSK, Decimal(5)),
}


def pick_programme(rng: random.Random) -> tuple[Programme, Category]:
    if rng.random() < 0.17:
        return Programme.INTERNSHIP, rng.choice(INTERNSHIP_CATEGORIES)
    weights = [w for _, _, w in ACADEMIC_MIX]
    programme, category, _ = rng.choices(ACADEMIC_MIX, weights=weights)[0]
    return programme, category


def synthetic_plan(rng: random.Random) -> StudyPlan:
    programme, category = pick_programme(rng)
    direction = _direction_for(rng, category)
    english = [d for d in DESTINATIONS if d[1] is StudyLanguage.ENGLISH]
    country, language, institutions = (
        rng.choices(english, weights=(50, 20, 12, 10, 8))[0]
        if category in QUOTA
        else rng.choices(DESTINATIONS, weights=(30, 20, 10, 8, 4, 6, 3, 3))[0]
    )
    return StudyPlan(
        programme=programme,
        category=category,
        country=country,
        institution=rng.choice(institutions),
        institution_recommended=rng.random() < 0.97,
        specialty=rng.choice(SPECIALTIES[direction]),
        specialty_priority=rng.random() < 0.97,
        direction=direction,
        language=language,
    )


def synthetic_background(rng: random.Random, plan: StudyPlan) -> Background:
    background = Background(
        kaztest=KazTest(rng.randint(105, 150)),
        certificates=(_certificate(rng, plan),),
        gpa=_gpa(rng),
        bachelor_specialty=rng.choice(SPECIALTIES[plan.direction]),
        bachelor_specialty_related=True,
        unconditional_invitation=True,
        employer=rng.choice(
            (
                "KazMunayGas",
                "Astana city akimat",
                "City hospital No. 4",
                "Kazakhtelecom",
                "School-lyceum No. 12",
                "Agro holding Baiterek",
            )
        ),
        position=rng.choice(("engineer", "specialist", "physician", "teacher", "analyst")),
        total_work_months=rng.randint(40, 160),
        field_work_months_last_12=12,
        rural_residence_months=rng.randint(40, 300) if plan.category is Category.RURAL else 0,
        rural_work_months=rng.randint(30, 120) if plan.category is Category.RURAL else 0,
        manages_production_process=plan.category is Category.ENGINEERING_TECHNICAL,
        direct_medical_care=plan.category is Category.MEDICAL,
        higher_medical_education=plan.category is Category.MEDICAL,
        medical_work_months=rng.randint(14, 120) if plan.category is Category.MEDICAL else 0,
        documents=_package(rng),
        studying_abroad=rng.random() < 0.05,
    )
    return _break_some_rules(rng, background) if rng.random() < 0.2 else background


def _package(rng: random.Random) -> tuple[Document, ...]:
    """Every document, or (one in ten) all but one, presented later."""
    if rng.random() < 0.1:
        left_out = rng.choice((Document.MEDICAL_CERTIFICATE_072U, Document.LANGUAGE_CERTIFICATE))
        return tuple(d for d in Document if d is not left_out)
    return tuple(Document)


def _direction_for(rng: random.Random, category: Category) -> StudyDirection:
    if category is Category.ENGINEERING_TECHNICAL:
        return StudyDirection.TECHNICAL
    if category is Category.MEDICAL:
        return StudyDirection.MEDICAL
    return rng.choices(list(StudyDirection), weights=(55, 35, 10))[0]


def _certificate(rng: random.Random, plan: StudyPlan) -> LanguageCertificate:
    if plan.language in HIGH_LEVEL:
        return HIGH_LEVEL[plan.language]
    score = Decimal(rng.choice(("5.5", "6.0", "6.5", "7.0", "7.0", "7.5", "8.0")))
    band = min(score, Decimal("7.0"))
    return LanguageCertificate(LanguageTest.IELTS, score, IeltsBands(band, band, band, band))


def _gpa(rng: random.Random) -> Gpa:
    if rng.random() < 0.03:  # a scale not in the equivalence table: the Ministry judges it
        return Gpa(str(rng.randint(14, 19)), GradeScale.OTHER)  # e.g. of 20
    scale = rng.choices(list(GradeScale)[:4], weights=(60, 10, 20, 10))[0]
    value = {
        GradeScale.FOUR: lambda: f"{rng.uniform(3.0, 4.0):.2f}",
        GradeScale.FOUR_THIRTY_THREE: lambda: f"{rng.uniform(3.0, 4.33):.2f}",
        GradeScale.FIVE: lambda: f"{rng.uniform(4.0, 5.0):.2f}",
        GradeScale.PERCENT: lambda: str(rng.randint(80, 100)),
    }[scale]()
    return Gpa(value, scale)


def _break_some_rules(rng: random.Random, background: Background) -> Background:
    breaks: list[Callable[[Background], Background]] = [
        lambda b: replace(b, kaztest=KazTest(rng.randint(60, 104))),
        lambda b: replace(b, gpa=Gpa(f"{rng.uniform(2.0, 2.99):.2f}", GradeScale.FOUR)),
        lambda b: replace(
            b, certificates=(LanguageCertificate(LanguageTest.IELTS, Decimal("4.5")),)
        ),
        lambda b: replace(b, unconditional_invitation=False),
        lambda b: replace(b, total_work_months=rng.randint(6, 30), rural_work_months=12),
    ]
    for breaker in rng.sample(breaks, k=rng.choice((1, 2))):
        background = breaker(background)
    return background
