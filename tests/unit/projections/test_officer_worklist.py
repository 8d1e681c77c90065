"""The officer's worklist: cases the rules did not decide, and packages missing documents.
Given these events, these rows."""

from __future__ import annotations

from datetime import date

from domain import commands as c
from domain.case.events import ControlTestPurpose, ReviewDecision
from domain.case.stage import Stage
from domain.programme import Category, Programme
from domain.submission import Document
from infra.case_store import CaseService
from projections.officer_worklist import (
    DOCUMENTS,
    REVIEW,
    WORKLIST,
    WORKLIST_CASES,
    OfficerWorklistProjection,
)
from projections.rows import Row
from tests.support import builders as b
from tests.support.all_events import record_every_event_type
from tests.support.journey import Journey
from tests.unit.projections.folding import all_rows, project

REASON = "decided on the file (synthetic)"


def items(service: CaseService) -> dict[tuple[str, str], Row]:
    rows = project(OfficerWorklistProjection(), service)
    return {(r["application_id"], r["item"]): r for r in all_rows(rows, WORKLIST)}


def referred(service: CaseService) -> Journey:
    plan = b.plan(Programme.MASTERS, Category.GENERAL, country="AR")
    j = Journey(service, b.submission(plan=plan))
    j.to(Stage.SUBMITTED)
    j.send(c.AssessEligibility(j.id), date(2023, 4, 25))
    return j


def missing_certificate(service: CaseService) -> Journey:
    documents = tuple(d for d in Document if d is not Document.LANGUAGE_CERTIFICATE)
    j = Journey(service, b.submission(background=b.background(documents=documents)))
    j.to(Stage.ELIGIBLE)
    return j


class TestReviews:
    def test_a_referral_is_listed_with_its_step_reason_and_rulesets(
        self, service: CaseService
    ) -> None:
        j = referred(service)
        row = items(service)[(str(j.id), REVIEW)]
        assert (row["stage"], row["step"], row["since"], row["category"]) == (
            "eligibility_review",
            "eligibility",
            "2023-04-25",
            "general",
        )
        assert "foreign_language_at_minimum" in row["reason"]
        assert "language-thresholds-order318-2018" in row["rulesets_tried"]
        assert row["applicant_code"] == service.get_case(j.id).applicant_code

    def test_the_officers_decision_takes_it_off_the_list(self, service: CaseService) -> None:
        j = referred(service)
        j.send(c.DecideReview(j.id, ReviewDecision.ELIGIBLE), date(2023, 4, 26), reason=REASON)
        assert (str(j.id), REVIEW) not in items(service)

    def test_a_withdrawal_takes_it_off_the_list(self, service: CaseService) -> None:
        j = referred(service)
        j.withdraw(date(2023, 4, 26))
        assert items(service) == {}

    def test_a_failed_control_test_is_listed_until_decided(self, service: CaseService) -> None:
        j = Journey(service, b.submission(background=b.background(certificates=(b.ielts("5.5"),))))
        j.to(Stage.CONTRACTED)
        j.send(c.AssignLanguageCourse(j.id), date(2023, 7, 20))
        purpose = ControlTestPurpose.ADMISSION_AFTER_COURSE
        j.send(c.RecordControlTest(j.id, purpose, False, "IELTS 6.0"), date(2024, 4, 20))
        row = items(service)[(str(j.id), REVIEW)]
        assert (row["stage"], row["step"]) == ("scholar_review", "control_test")
        j.send(c.DecideReview(j.id, ReviewDecision.CONTINUE), date(2024, 4, 21), reason=REASON)
        assert items(service) == {}


class TestDocuments:
    def test_a_package_missing_a_document_is_listed_with_what_is_missing(
        self, service: CaseService
    ) -> None:
        j = missing_certificate(service)
        row = items(service)[(str(j.id), DOCUMENTS)]
        assert (row["missing_documents"], row["stage"], row["since"]) == (
            "language_certificate",
            "eligible",
            "2023-04-25",
        )

    def test_presenting_the_document_takes_it_off_the_list(self, service: CaseService) -> None:
        j = missing_certificate(service)
        j.send(c.PresentDocuments(j.id, (Document.LANGUAGE_CERTIFICATE,)), date(2023, 4, 28))
        assert items(service) == {}

    def test_a_complete_package_is_never_listed(self, service: CaseService) -> None:
        Journey(service).to(Stage.TESTED)
        assert items(service) == {}


class TestTheFold:
    def test_every_value_the_fold_writes_has_a_declared_column(self, service: CaseService) -> None:
        record_every_event_type(service)
        rows = project(OfficerWorklistProjection(), service)
        for table in (WORKLIST, WORKLIST_CASES):
            for row in all_rows(rows, table):
                assert set(row) == set(table.column_names)

    def test_the_cases_of_every_event_type_leave_nothing_waiting(
        self, service: CaseService
    ) -> None:
        """Each referral of tests/support/all_events.py was decided, each package completed."""
        record_every_event_type(service)
        assert items(service) == {}
