"""The domain's enums, exposed to GraphQL under their own names (values by member name)."""

from __future__ import annotations

import strawberry

from domain.case.events import (
    ControlTestPurpose,
    ReviewDecision,
    RevocationReason,
    TestingAnnulment,
)
from domain.case.meta import Role
from domain.case.stage import CaseStatus, Stage
from domain.language_tests import LanguageTest
from domain.programme import Category, Programme, StudyDirection, StudyLanguage
from domain.qualifications import GradeScale
from domain.submission import Document

for _enum in (
    RevocationReason,
    TestingAnnulment,
    ReviewDecision,
    ControlTestPurpose,
    Role,
    CaseStatus,
    Stage,
    LanguageTest,
    Category,
    Programme,
    StudyDirection,
    StudyLanguage,
    GradeScale,
    Document,
):
    strawberry.enum(_enum)

PII = "pii"  # metadata key of fields holding personal data
