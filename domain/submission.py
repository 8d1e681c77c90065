"""What an application carries when it is submitted through eGov.

Personal data (PII) is kept apart in ``ApplicantIdentity`` so that the interview stage,
which sees applicant codes only, never needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from domain.programme import Category, Programme, StudyDirection, StudyLanguage
from domain.qualifications import Gpa, KazTest, LanguageCertificate
from domain.rules.scope import CaseProfile


class Document(Enum):
    """Documents of the package (001 "НЕОБХОДИМЫЙ ПАКЕТ ДОКУМЕНТОВ"; 000 "Қажет құжаттар")."""

    IDENTITY_CARD_AND_PASSPORT = "identity_card_and_passport"
    BACHELOR_DIPLOMA_WITH_SUPPLEMENT = "bachelor_diploma_with_supplement"
    KAZTEST_CERTIFICATE = "kaztest_certificate"
    LANGUAGE_CERTIFICATE = "language_certificate"
    UNCONDITIONAL_INVITATION = "unconditional_invitation"
    MEDICAL_CERTIFICATE_072U = "medical_certificate_072u"
    ACADEMIC_RECORD = "academic_record"  # for those studying abroad
    INDIVIDUAL_STUDY_PLAN = "individual_study_plan"  # doctorate
    EMPLOYMENT_RECORD_BOOK = "employment_record_book"  # трудовая книжка
    EMPLOYMENT_AND_PENSION_STATEMENTS = "employment_and_pension_statements"
    EMPLOYER_REQUEST = "employer_request"  # 002 appendix 2
    INTERNSHIP_PROGRAMME = "internship_programme"  # 002 appendix 4


@dataclass(frozen=True)
class ApplicantIdentity:
    """Personal data: restricted, never shown to the interview experts."""

    full_name: str
    iin: str
    birth_date: date
    email: str
    phone: str


@dataclass(frozen=True)
class StudyPlan:
    """What and where the applicant wants to study (or do an internship)."""

    programme: Programme
    category: Category
    country: str  # ISO 3166-1 alpha-2
    institution: str  # university, or host organisation for an internship
    institution_recommended: bool  # on the list of recommended universities
    specialty: str
    specialty_priority: bool  # on the list of priority specialties
    direction: StudyDirection
    language: StudyLanguage

    def profile(self) -> CaseProfile:
        return CaseProfile(
            country=self.country,
            programme=self.programme,
            category=self.category,
            language=self.language,
            direction=self.direction,
        )


@dataclass(frozen=True)
class Background:
    """The facts eligibility is decided on, as declared and documented in the package."""

    kaztest: KazTest | None
    certificates: tuple[LanguageCertificate, ...]
    gpa: Gpa | None
    bachelor_specialty: str
    bachelor_specialty_related: bool  # per the list of related specialties
    unconditional_invitation: bool
    employer: str
    position: str
    total_work_months: int
    field_work_months_last_12: int  # of the last 12 months, months worked in the chosen field
    rural_residence_months: int  # continuous, up to submission
    rural_work_months: int
    manages_production_process: bool  # engineering-technical worker (001)
    direct_medical_care: bool  # medical worker giving direct medical care (001)
    higher_medical_education: bool
    medical_work_months: int
    documents: tuple[Document, ...]  # presented with the submission (001 package)
    # studying at a foreign university now: the academic record is then part of the package
    # (001 lines 89, 123 "для лиц, обучающихся за рубежом")
    studying_abroad: bool = False
