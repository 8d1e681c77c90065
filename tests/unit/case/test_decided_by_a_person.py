"""What the rules do not decide goes to a person; what they decided changes only by an
explicit, reasoned command. Given a case in a stage, when a command comes, then these events.
Grouped by the stage the case is in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain import commands as c
from domain.case import events as ev
from domain.case.meta import Role
from domain.case.stage import CaseStatus, Stage
from domain.errors import InvalidInputError, TransitionRefusedError
from domain.language_tests import LanguageTest, score_of
from domain.permissions import PermissionDeniedError
from domain.programme import Category, Programme, StudyLanguage
from domain.qualifications import Gpa, GradeScale, LanguageCertificate
from domain.submission import Document
from infra.case_store import CaseService
from tests.support import builders as b
from tests.support.journey import Journey

REASON = "decided on the file: the Ministry's letter 2023/41 (synthetic)"
D = ev.ReviewDecision


def unlisted(service: CaseService) -> Journey:
    """A general-competition master's in Argentina: no threshold table has its row."""
    plan = b.plan(Programme.MASTERS, Category.GENERAL, country="AR")
    return Journey(service, b.submission(plan=plan))


def referred(service: CaseService) -> Journey:
    j = unlisted(service)
    j.to(Stage.SUBMITTED)
    j.send(c.AssessEligibility(j.id), date(2023, 4, 25))
    return j


def last(service: CaseService, journey: Journey) -> ev.CaseEvent:
    found = list(service.events.get(journey.id))[-1]
    assert isinstance(found, ev.CaseEvent)
    return found


def french_in_switzerland(service: CaseService) -> Journey:
    """An engineer studying in French in Switzerland with TCF 300: eligible (002 appendix 1),
    but appendix 7 has no French course row for Switzerland."""
    tcf = LanguageCertificate(LanguageTest.TCF, score_of(LanguageTest.TCF, 300))
    plan = b.plan(
        Programme.MASTERS,
        Category.ENGINEERING_TECHNICAL,
        country="CH",
        language=StudyLanguage.FRENCH,
    )
    return Journey(service, b.submission(plan=plan, background=b.background(certificates=(tcf,))))


class TestWhenTheRulesAreSilentOnEligibility:
    def test_the_case_goes_to_an_officer_with_the_reason_and_the_rulesets_tried(
        self, service: CaseService
    ) -> None:
        j = referred(service)
        case = service.get_case(j.id)
        assert (case.stage, case.stage.status) == (
            Stage.ELIGIBILITY_REVIEW,
            CaseStatus.IN_SELECTION,
        )
        event = last(service, j)
        assert isinstance(event, ev.ReferredToOfficer)
        assert event.step == ev.REVIEW_ELIGIBILITY
        assert "foreign_language_at_minimum" in event.reason
        assert "language-thresholds-order318-2018" in event.rulesets_tried
        assert not any(isinstance(e, ev.EligibilityAssessed) for e in service.events.get(j.id))

    def test_an_officer_decides_eligible_with_a_reason(self, service: CaseService) -> None:
        j = referred(service)
        j.send(c.DecideReview(j.id, D.ELIGIBLE), date(2023, 4, 26), reason=REASON)
        event = last(service, j)
        assert isinstance(event, ev.EligibilityAssessed)
        assert (event.eligible, event.meta.command, event.meta.reason) == (
            True,
            "decide_review",
            REASON,
        )
        assert event.decision_basis.facts["decided_by"] == "officer"
        assert service.get_case(j.id).stage is Stage.ELIGIBLE

    def test_an_officers_refusal_is_recorded_as_the_officers(self, service: CaseService) -> None:
        """A refusal is only a rule's verdict or a person's: here the person's, with why."""
        j = referred(service)
        j.send(c.DecideReview(j.id, D.INELIGIBLE), date(2023, 4, 26), reason=REASON)
        event = last(service, j)
        assert isinstance(event, ev.EligibilityAssessed)
        assert [(f.rule, f.reason) for f in event.failures] == [("officer_decision", REASON)]
        assert service.get_case(j.id).stage is Stage.INELIGIBLE

    def test_an_officers_decision_without_a_reason_stores_nothing(
        self, service: CaseService
    ) -> None:
        j = referred(service)
        with pytest.raises(InvalidInputError) as raised:
            j.send(c.DecideReview(j.id, D.ELIGIBLE), date(2023, 4, 26))
        assert [(e.field, e.rule) for e in raised.value.errors] == [("reason", "required")]
        assert service.get_case(j.id).stage is Stage.ELIGIBILITY_REVIEW

    def test_a_decision_that_does_not_fit_the_review_is_refused(self, service: CaseService) -> None:
        j = referred(service)
        with pytest.raises(InvalidInputError) as raised:
            j.send(c.DecideReview(j.id, D.CONTINUE), date(2023, 4, 26), reason=REASON)
        assert raised.value.errors[0].rule == "decision_fits_review"

    def test_the_ministrys_gpa_equivalent_missing_goes_to_an_officer(
        self, service: CaseService
    ) -> None:
        """002 line 1296: a GPA not in the equivalence table is decided by the Ministry."""
        j = Journey(service, b.submission(background=b.background(gpa=Gpa("15", GradeScale.OTHER))))
        j.to(Stage.SUBMITTED)
        j.send(c.AssessEligibility(j.id), date(2023, 4, 25))
        assert service.get_case(j.id).stage is Stage.ELIGIBILITY_REVIEW


class TestWhenEligibilityIsDecidedAgain:
    def test_a_decision_taken_again_needs_a_reason(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.ELIGIBLE)
        with pytest.raises(InvalidInputError):
            j.send(c.ReassessEligibility(j.id), date(2023, 4, 26))

    def test_a_tested_case_decided_eligible_again_stays_tested(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.TESTED)
        j.send(c.ReassessEligibility(j.id), date(2023, 5, 6), reason=REASON)
        event = last(service, j)
        assert isinstance(event, ev.EligibilityAssessed)
        assert (event.reassessed, event.previously_eligible, event.resulting_stage) == (
            True,
            True,
            Stage.TESTED,
        )
        assert service.get_case(j.id).stage is Stage.TESTED

    def test_an_ineligible_case_decided_again_on_new_facts_becomes_eligible(
        self, service: CaseService
    ) -> None:
        """002 line 1296: the Ministry's equivalent of a GPA scale not in the table; corrected
        by the Ministry, the decision is taken again, with the reason, beside the first."""
        j = Journey(service, b.submission(background=b.background(gpa=Gpa("15", GradeScale.OTHER))))
        j.to(Stage.SUBMITTED)
        j.send(c.AssessEligibility(j.id, Decimal("2.50")), date(2023, 4, 25))
        assert service.get_case(j.id).stage is Stage.INELIGIBLE
        j.send(c.ReassessEligibility(j.id, Decimal("3.20")), date(2023, 4, 27), reason=REASON)
        decisions = [e for e in service.events.get(j.id) if isinstance(e, ev.EligibilityAssessed)]
        assert [(e.eligible, e.reassessed, e.gpa_equivalent) for e in decisions] == [
            (False, False, Decimal("2.50")),
            (True, True, Decimal("3.20")),
        ]
        assert decisions[1].previously_eligible is False
        assert service.get_case(j.id).stage is Stage.ELIGIBLE

    def test_no_decision_taken_again_before_the_first(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.SUBMITTED)
        with pytest.raises(TransitionRefusedError) as raised:
            j.send(c.ReassessEligibility(j.id), date(2023, 4, 25), reason=REASON)
        assert raised.value.rule == "reassessment_of_an_open_selection"


class TestWhenDocumentsAreMissing:
    def missing_certificate(self, service: CaseService) -> Journey:
        documents = tuple(d for d in Document if d is not Document.LANGUAGE_CERTIFICATE)
        j = Journey(service, b.submission(background=b.background(documents=documents)))
        j.to(Stage.ELIGIBLE)
        return j

    def test_the_package_is_checked_with_eligibility(self, service: CaseService) -> None:
        """001 lines 263-270: the rural package includes the foreign-language certificate."""
        j = self.missing_certificate(service)
        checked = [e for e in service.events.get(j.id) if isinstance(e, ev.DocumentsChecked)]
        assert [e.missing for e in checked] == [(Document.LANGUAGE_CERTIFICATE,)]
        assert checked[0].checklist_ruleset_id == "document-checklist-2023"

    def test_a_case_missing_a_document_is_not_passed_to_testing(self, service: CaseService) -> None:
        j = self.missing_certificate(service)
        with pytest.raises(TransitionRefusedError) as raised:
            j.send(c.RecordTesting(j.id, 60, 60), date(2023, 5, 5))
        assert raised.value.rule == "documents_complete_before_testing"
        assert "language_certificate" in str(raised.value)

    def test_documents_presented_later_complete_the_package(self, service: CaseService) -> None:
        j = self.missing_certificate(service)
        j.send(c.PresentDocuments(j.id, (Document.LANGUAGE_CERTIFICATE,)), date(2023, 4, 28))
        assert service.get_case(j.id).missing_documents == ()
        j.send(c.RecordTesting(j.id, 60, 60), date(2023, 5, 5))
        assert service.get_case(j.id).stage is Stage.TESTED

    def test_a_document_is_presented_once(self, service: CaseService) -> None:
        j = self.missing_certificate(service)
        with pytest.raises(InvalidInputError) as raised:
            j.send(c.PresentDocuments(j.id, (Document.KAZTEST_CERTIFICATE,)), date(2023, 4, 28))
        assert raised.value.errors[0].rule == "document_presented_once"


class TestWhenNoCourseTableDecides:
    def test_the_course_goes_to_an_officer(self, service: CaseService) -> None:
        j = french_in_switzerland(service)
        j.to(Stage.CONTRACTED)
        j.send(c.AssignLanguageCourse(j.id), date(2023, 7, 20))
        case = service.get_case(j.id)
        assert (case.stage, case.stage.status) == (Stage.SCHOLAR_REVIEW, CaseStatus.SCHOLAR)
        event = last(service, j)
        assert isinstance(event, ev.ReferredToOfficer)
        assert event.rulesets_tried == (
            "language-courses-2023-quota",
            "language-courses-order318-2018",
        )

    def test_the_officer_assigns_the_months(self, service: CaseService) -> None:
        j = french_in_switzerland(service)
        j.to(Stage.CONTRACTED)
        j.send(c.AssignLanguageCourse(j.id), date(2023, 7, 20))
        with pytest.raises(InvalidInputError):  # a course needs its months
            j.send(c.DecideReview(j.id, D.ASSIGN_COURSE), date(2023, 7, 21), reason=REASON)
        j.send(c.DecideReview(j.id, D.ASSIGN_COURSE, 0, 6), date(2023, 7, 21), reason=REASON)
        case = service.get_case(j.id)
        assert (case.stage, case.course_months) == (Stage.LANGUAGE_COURSE, (0, 6))

    def test_the_officer_finds_no_course_needed(self, service: CaseService) -> None:
        j = french_in_switzerland(service)
        j.to(Stage.CONTRACTED)
        j.send(c.AssignLanguageCourse(j.id), date(2023, 7, 20))
        j.send(c.DecideReview(j.id, D.NO_COURSE), date(2023, 7, 21), reason=REASON)
        assert isinstance(last(service, j), ev.ReferralClosed)
        assert service.get_case(j.id).stage is Stage.CONTRACTED


class TestWhenOnLanguageCourses:
    def on_course(self, service: CaseService) -> Journey:
        """A rural master's at IELTS 5.5: the 2023 "9+3" (001 line 275)."""
        j = Journey(service, b.submission(background=b.background(certificates=(b.ielts("5.5"),))))
        j.to(Stage.CONTRACTED)
        j.send(c.AssignLanguageCourse(j.id), date(2023, 7, 20))
        return j

    def test_a_failed_control_test_after_the_course_goes_to_an_officer(
        self, service: CaseService
    ) -> None:
        """002 line 1915: the control test confirms the third threshold; the seeds state no
        consequence of failing it."""
        j = self.on_course(service)
        purpose = ev.ControlTestPurpose.ADMISSION_AFTER_COURSE
        j.send(c.RecordControlTest(j.id, purpose, False, "IELTS 6.0"), date(2024, 4, 20))
        events = list(service.events.get(j.id))[-2:]
        assert [type(e) for e in events] == [ev.ControlTestTaken, ev.ReferredToOfficer]
        assert service.get_case(j.id).stage is Stage.SCHOLAR_REVIEW
        j.send(c.DecideReview(j.id, D.CONTINUE), date(2024, 4, 22), reason=REASON)
        assert service.get_case(j.id).stage is Stage.LANGUAGE_COURSE

    def test_a_passed_control_test_changes_no_stage(self, service: CaseService) -> None:
        j = self.on_course(service)
        purpose = ev.ControlTestPurpose.ABROAD_AFTER_KAZAKHSTAN
        j.send(c.RecordControlTest(j.id, purpose, True, "B2"), date(2023, 10, 20))
        assert service.get_case(j.id).stage is Stage.LANGUAGE_COURSE
        assert service.get_case(j.id).control_tests == ((purpose, True),)

    def test_the_b2_test_is_taken_on_courses_in_kazakhstan(self, service: CaseService) -> None:
        """002 line 868: after courses in Kazakhstan; a course abroad only has no such test."""
        j = Journey(service, b.submission(background=b.background(certificates=(b.ielts("6.0"),))))
        j.to(Stage.CONTRACTED)
        j.send(c.AssignLanguageCourse(j.id), date(2023, 7, 20))  # 0 + 3 abroad
        purpose = ev.ControlTestPurpose.ABROAD_AFTER_KAZAKHSTAN
        with pytest.raises(TransitionRefusedError) as raised:
            j.send(c.RecordControlTest(j.id, purpose, True, "B2"), date(2023, 8, 20))
        assert raised.value.rule == "b2_test_during_courses_in_kazakhstan"

    def test_a_course_decided_again_needs_a_reason(self, service: CaseService) -> None:
        j = self.on_course(service)
        with pytest.raises(InvalidInputError):
            j.send(c.ReassignLanguageCourse(j.id), date(2023, 7, 25))
        j.send(c.ReassignLanguageCourse(j.id), date(2023, 7, 25), reason=REASON)
        assert service.get_case(j.id).course_months == (9, 3)


class TestWhenAwarded:
    def test_the_winners_list_is_recorded_once(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.AWARDED)
        j.send(c.RecordWinnersListPublished(j.id), date(2023, 6, 13))
        with pytest.raises(TransitionRefusedError) as raised:
            j.send(c.RecordWinnersListPublished(j.id), date(2023, 6, 14))
        assert raised.value.rule == "list_published_once"

    def test_only_the_office_records_the_publication(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.AWARDED)
        with pytest.raises(PermissionDeniedError):
            j.send(c.RecordWinnersListPublished(j.id), date(2023, 6, 13), role=Role.EXPERT)
