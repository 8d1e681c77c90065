"""The document package per programme and category, 2023 campaign (seed 001 "НЕОБХОДИМЫЙ
ПАКЕТ ДОКУМЕНТОВ"), with the documents required only when a fact of the case holds."""

from __future__ import annotations

from datetime import date

import pytest

from domain.programme import Category, Programme
from domain.rules import catalog
from domain.rules.contract_deadline import SecurityKind, required_security
from domain.rules.document_checklist import check_case_documents, check_documents
from domain.submission import Document
from tests.support import builders as b

ON = date(2023, 4, 20)
D = Document
CHECKLIST = catalog.get("document-checklist-2023")


def required(programme: Programme, category: Category, **facts: bool) -> set[Document]:
    outcome = check_documents(CHECKLIST, b.plan(programme, category), b.background(**facts), ())
    return set(outcome.required)


def test_masters_package_lists_the_language_certificate_and_the_invitation() -> None:
    """001 lines 81-90: identity card and passport, diploma with supplement, KazTest B1, the
    foreign-language certificate, the unconditional invitation, medical certificate 072/u."""
    assert required(Programme.MASTERS, Category.GENERAL) == {
        D.IDENTITY_CARD_AND_PASSPORT,
        D.BACHELOR_DIPLOMA_WITH_SUPPLEMENT,
        D.KAZTEST_CERTIFICATE,
        D.LANGUAGE_CERTIFICATE,
        D.UNCONDITIONAL_INVITATION,
        D.MEDICAL_CERTIFICATE_072U,
    }


@pytest.mark.parametrize("programme", [Programme.MASTERS, Programme.RESIDENCY, Programme.DOCTORATE])
def test_academic_record_only_for_applicants_studying_abroad(programme: Programme) -> None:
    """001 lines 89, 123: "ДОКУМЕНТ ОБ УСПЕВАЕМОСТИ (для лиц, обучающихся за рубежом)"."""
    assert D.ACADEMIC_RECORD not in required(programme, Category.GENERAL)
    assert D.ACADEMIC_RECORD in required(programme, Category.GENERAL, studying_abroad=True)


def test_individual_study_plan_only_for_doctorate() -> None:
    """001 line 124: "ИНДИВИДУАЛЬНЫЙ УЧЕБНЫЙ ПЛАН (для докторантуры)"."""
    assert D.INDIVIDUAL_STUDY_PLAN in required(Programme.DOCTORATE, Category.GENERAL)
    assert D.INDIVIDUAL_STUDY_PLAN not in required(Programme.RESIDENCY, Category.GENERAL)


def test_residency_and_doctorate_package_has_no_language_certificate() -> None:
    """001 lines 116-125 list no foreign-language certificate (the invitation stands for it)."""
    for programme in (Programme.RESIDENCY, Programme.DOCTORATE):
        for category in (Category.GENERAL, Category.SELF_ADMITTED_DOCTORATE_RESIDENCY):
            assert D.LANGUAGE_CERTIFICATE not in required(programme, category)


def test_internship_needs_the_employer_request_and_the_pension_statements() -> None:
    """001 lines 187-222: employer's request (002 appendix 2), documents of work with the
    statement of pension contributions, the internship programme (002 appendix 4)."""
    needs = required(Programme.INTERNSHIP, Category.MEDICAL)
    assert {D.EMPLOYER_REQUEST, D.EMPLOYMENT_AND_PENSION_STATEMENTS} <= needs
    assert D.INTERNSHIP_PROGRAMME in needs
    assert D.EMPLOYER_REQUEST not in required(Programme.MASTERS, Category.GENERAL)


@pytest.mark.parametrize(
    "category", [Category.RURAL, Category.ENGINEERING_TECHNICAL, Category.MEDICAL]
)
def test_quota_categories_present_the_employment_record_book(category: Category) -> None:
    """001 lines 266, 330, 408: "ТРУДОВАЯ КНИЖКА"."""
    assert D.EMPLOYMENT_RECORD_BOOK in required(Programme.MASTERS, category)


def test_missing_lists_what_was_not_presented_in_the_package_order() -> None:
    plan = b.plan(Programme.INTERNSHIP, Category.TEACHER)
    presented = (D.IDENTITY_CARD_AND_PASSPORT, D.KAZTEST_CERTIFICATE)
    outcome = check_case_documents(plan, b.background(), ON, presented)
    assert outcome.ruleset_id == "document-checklist-2023"
    assert outcome.missing[:2] == (D.EMPLOYER_REQUEST, D.LANGUAGE_CERTIFICATE)
    assert D.IDENTITY_CARD_AND_PASSPORT not in outcome.missing
    assert outcome.source == "001_ae4fa7f8f80c9f9c.txt lines 187-222"


def test_a_case_no_package_lists_is_not_blocked_by_documents() -> None:
    """Civil servants have no 2023 master's package (001 lists none): nothing is required by
    rule, the officer deciding the case checks its package."""
    outcome = check_case_documents(
        b.plan(Programme.MASTERS, Category.CIVIL_SERVANT), b.background(), ON, ()
    )
    assert (outcome.required, outcome.missing, outcome.ruleset_id) == ((), (), "")


def test_security_contract_pledge_or_guarantors_by_category() -> None:
    """The packages' contracts: a pledge for academic study (001 lines 90, 125, 338, 416), two
    guarantors for an internship (lines 221-222), five for the rural category (line 274)."""
    assert required_security(Programme.MASTERS, Category.GENERAL).kind is (
        SecurityKind.REAL_ESTATE_PLEDGE
    )
    assert required_security(Programme.MASTERS, Category.MEDICAL).kind is (
        SecurityKind.REAL_ESTATE_PLEDGE
    )
    internship = required_security(Programme.INTERNSHIP, Category.TEACHER)
    assert (internship.kind, internship.guarantors) == (SecurityKind.GUARANTEE, 2)
    rural = required_security(Programme.MASTERS, Category.RURAL)
    assert (rural.kind, rural.guarantors) == (SecurityKind.GUARANTEE, 5)
