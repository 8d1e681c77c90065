"""The regulations as they stand, through GraphQL, on SQLite and PostgreSQL: Order 318's 2018
wording (seed 002) over the older amendment (seed 004), the 2023 quota "9+3" (seed 001), a
person where no rule speaks, the document package, control tests, TOEFL ITP within the
competition, the selection's time limits, and decisions taken again only on purpose."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from domain import commands as c
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.language_tests import LanguageTest, score_of
from domain.programme import Category, Programme, StudyLanguage
from domain.qualifications import LanguageCertificate
from domain.rules import catalog
from domain.submission import Document
from infra.case_store import CaseService
from infra.container import build_projection_engine, build_service
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support import builders as b
from tests.support.api import Api, api_for
from tests.support.authz import submission_input
from tests.support.cli import bolashak_here
from tests.support.journey import Journey, key

REASON = "decided on the file (synthetic test case)"
RESULT = """__typename
  ... on CaseUpdated { version application { id stage } }
  ... on ProcessRefused { rule message }
  ... on InvalidInput { fieldErrors { field rule message } }"""
HISTORY = """query($id: ID!) { caseHistory(applicationId: $id) {
  events { type command reason rulesets facts data } } }"""
WORKLIST = """query($item: WorklistItemKind) { officerWorklist(item: $item) { edges { node {
  applicationId item stage step reason rulesetsTried missingDocuments since } } } }"""


@pytest.fixture
def service(store_settings: Settings) -> Iterator[CaseService]:
    svc = build_service(store_settings, clock=FixedClock(FAR_FUTURE))
    yield svc
    svc.close()


@pytest.fixture
def api(store_settings: Settings) -> Iterator[Api]:
    with api_for(store_settings, clock_day=FAR_FUTURE) as client:
        yield client


def run(api: Api, command: str, fields: dict[str, Any], on: date, **options: Any) -> Any:
    """A mutation of the office schema; its typed result."""
    name = command[0].upper() + command[1:]
    mutation = f"mutation($input: {name}Input!) {{ {command}(input: $input) {{ {RESULT} }} }}"
    given = {"idempotencyKey": key("gql"), "occurredOn": on.isoformat(), **fields}
    return api.data(mutation, {"input": given}, **options)[command]


def events(api: Api, case_id: UUID) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.data(HISTORY, {"id": str(case_id)}, role=Role.AUDITOR)[
        "caseHistory"
    ]["events"]
    return found


def of_type(api: Api, case_id: UUID, event_type: str) -> list[dict[str, Any]]:
    return [e for e in events(api, case_id) if e["type"] == event_type]


def worklist(api: Api, settings: Settings, item: str | None = None) -> list[dict[str, Any]]:
    build_projection_engine(settings).run_until_head()
    kind = item.upper() if item else None  # the enum's value: "review" is REVIEW
    edges = api.data(WORKLIST, {"item": kind})["officerWorklist"]["edges"]
    return [e["node"] for e in edges]


def waiting_on(api: Api, settings: Settings, case_id: UUID, item: str) -> list[dict[str, Any]]:
    return [w for w in worklist(api, settings, item) if w["applicationId"] == str(case_id)]


def certificate(test: LanguageTest, score: str | int, **more: Any) -> LanguageCertificate:
    return LanguageCertificate(test, score_of(test, score), **more)


def submitted(service: CaseService, **changes: Any) -> Journey:
    j = Journey(service, b.submission(**changes))
    j.to(Stage.SUBMITTED)
    return j


class TestTheTextThatStands:
    def test_ielts_6_5_with_writing_6_0_is_eligible_under_the_2018_wording(
        self, api: Api, service: CaseService
    ) -> None:
        """002 lines 297-302 (general competition, third level IELTS 6.5, no band rule); seed
        004's "writing at least 6.5" (lines 58-60) is history and decides nothing."""
        writing_6 = b.ielts("6.5", writing="6.0")
        plan = b.plan(Programme.MASTERS, Category.GENERAL)
        j = submitted(service, plan=plan, background=b.background(certificates=(writing_6,)))
        result = run(api, "assessEligibility", {"applicationId": str(j.id)}, date(2023, 4, 25))
        assert result["application"]["stage"] == "ELIGIBLE"
        [decision] = of_type(api, j.id, "EligibilityAssessed")
        assert "language-thresholds-order318-2018" in decision["rulesets"]
        assert "language-thresholds-order318-amended" not in decision["rulesets"]

    def test_goethe_a1_gets_the_2018_german_course(self, api: Api, service: CaseService) -> None:
        """002 appendix 7, lines 1575-1582: Goethe A1, 12 months abroad (004's table, starting
        at A2, is history)."""
        plan = b.plan(
            Programme.MASTERS,
            Category.ENGINEERING_TECHNICAL,
            country="DE",
            language=StudyLanguage.GERMAN,
        )
        goethe = certificate(LanguageTest.GOETHE, "A1")
        j = Journey(
            service, b.submission(plan=plan, background=b.background(certificates=(goethe,)))
        )
        j.to(Stage.CONTRACTED)
        result = run(api, "assignLanguageCourse", {"applicationId": str(j.id)}, date(2023, 7, 20))
        assert result["application"]["stage"] == "LANGUAGE_COURSE"
        [course] = of_type(api, j.id, "LanguageCourseAssigned")
        assert course["rulesets"] == ["language-courses-order318-2018"]
        assert (course["data"]["months_in_kazakhstan"], course["data"]["months_abroad"]) == (0, 12)

    def test_rulesets_list_002_in_force_and_004_as_history(self, api: Api) -> None:
        query = "{ rulesets(kind: $kind) { id effectiveFrom effectiveTo supersedes } }"
        found = {
            r["id"]: r
            for kind in ("language_thresholds", "language_courses")
            for r in api.data(query.replace("$kind", kind.upper()))["rulesets"]
        }
        for older in ("language-thresholds-order318-amended", "language-courses-order318-amended"):
            assert (found[older]["effectiveTo"], found[older]["supersedes"]) == ("2017-05-22", [])
        for stands in ("language-thresholds-order318-2018", "language-courses-order318-2018"):
            assert (found[stands]["effectiveFrom"], found[stands]["effectiveTo"]) == (
                "2018-07-24",
                None,
            )

    def test_a_stored_decision_keeps_its_ruleset_and_is_decided_again_only_on_purpose(
        self, api: Api, service: CaseService, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A decision stamped with seed 004's ruleset (as the code before this reading made
        it) replays as it was made; reassessEligibility, with a reason, decides again under
        002 and records the new decision beside the old one."""
        older = catalog.get("language-thresholds-order318-amended")
        plan = b.plan(Programme.MASTERS, Category.GENERAL)
        writing_6 = b.ielts("6.5", writing="6.0")
        j = submitted(service, plan=plan, background=b.background(certificates=(writing_6,)))
        with monkeypatch.context() as patched:  # the old reading: 004 over 002
            real = catalog.in_force
            patched.setattr(
                catalog,
                "in_force",
                lambda kind, day: [older] if kind == "language_thresholds" else real(kind, day),
            )
            j.send(c.AssessEligibility(j.id), date(2023, 4, 25))
        assert service.get_case(j.id).stage is Stage.INELIGIBLE
        first = of_type(api, j.id, "EligibilityAssessed")
        assert first[0]["rulesets"][1] == older.id  # replayed today, as it was stamped
        without_reason = run(
            api, "reassessEligibility", {"applicationId": str(j.id)}, date(2023, 5, 2)
        )
        assert without_reason["fieldErrors"][0]["field"] == "reason"
        again = run(
            api,
            "reassessEligibility",
            {"applicationId": str(j.id), "reason": REASON},
            date(2023, 5, 2),
        )
        assert again["application"]["stage"] == "ELIGIBLE"
        decisions = of_type(api, j.id, "EligibilityAssessed")
        assert [d["rulesets"][1] for d in decisions] == [
            older.id,
            "language-thresholds-order318-2018",
        ]
        assert (decisions[1]["command"], decisions[1]["reason"]) == ("reassess_eligibility", REASON)


class TestTheQuotaCourses:
    @pytest.mark.parametrize("category", ["RURAL", "ENGINEERING_TECHNICAL", "MEDICAL"])
    def test_the_quota_categories_take_9_plus_3(
        self, api: Api, service: CaseService, category: str
    ) -> None:
        """001 lines 275, 339, 417: "ЯЗЫКОВЫЕ КУРСЫ «9+3»" at the first threshold."""
        plan = b.plan(Programme.MASTERS, Category(category.lower()))
        weak = b.background(certificates=(b.ielts("5.0"),))
        j = Journey(service, b.submission(plan=plan, background=weak))
        j.to(Stage.CONTRACTED)
        run(api, "assignLanguageCourse", {"applicationId": str(j.id)}, date(2023, 7, 20))
        [course] = of_type(api, j.id, "LanguageCourseAssigned")
        assert course["rulesets"] == ["language-courses-2023-quota"]
        assert (course["data"]["months_in_kazakhstan"], course["data"]["months_abroad"]) == (9, 3)
        assert course["facts"]["source"] == "001_ae4fa7f8f80c9f9c.txt lines 275, 339, 417, 498"


class TestAPersonWhereNoRuleSpeaks:
    def test_eligibility_no_table_decides_goes_to_the_worklist_and_an_officer(
        self, api: Api, service: CaseService, store_settings: Settings
    ) -> None:
        """No threshold row for a general-competition master's in Argentina (001 lines
        497-500; 002 appendix 1): the case is not refused; an officer decides, with a reason."""
        plan = b.plan(Programme.MASTERS, Category.GENERAL, country="AR")
        j = submitted(service, plan=plan)
        result = run(api, "assessEligibility", {"applicationId": str(j.id)}, date(2023, 4, 25))
        assert result["application"]["stage"] == "ELIGIBILITY_REVIEW"
        [waiting] = [
            w for w in worklist(api, store_settings, "review") if w["applicationId"] == str(j.id)
        ]
        assert (waiting["step"], waiting["stage"], waiting["since"]) == (
            "eligibility",
            "eligibility_review",
            "2023-04-25",
        )
        assert "language-thresholds-order318-2018" in waiting["rulesetsTried"]
        decided = run(
            api,
            "decideReview",
            {"applicationId": str(j.id), "decision": "ELIGIBLE", "reason": REASON},
            date(2023, 4, 26),
        )
        assert decided["application"]["stage"] == "ELIGIBLE"
        assert str(j.id) not in [w["applicationId"] for w in worklist(api, store_settings)]

    def test_a_course_no_table_decides_goes_to_an_officer(
        self, api: Api, service: CaseService
    ) -> None:
        """An engineer studying in French in Switzerland (TCF 300): appendix 7 has no French
        row for Switzerland; the officer gives the months, with a reason."""
        plan = b.plan(
            Programme.MASTERS,
            Category.ENGINEERING_TECHNICAL,
            country="CH",
            language=StudyLanguage.FRENCH,
        )
        tcf = certificate(LanguageTest.TCF, 300)
        j = Journey(service, b.submission(plan=plan, background=b.background(certificates=(tcf,))))
        j.to(Stage.CONTRACTED)
        result = run(api, "assignLanguageCourse", {"applicationId": str(j.id)}, date(2023, 7, 20))
        assert result["application"]["stage"] == "SCHOLAR_REVIEW"
        fields: dict[str, Any] = {
            "applicationId": str(j.id),
            "decision": "ASSIGN_COURSE",
            "reason": REASON,
        }
        missing_months = run(api, "decideReview", fields, date(2023, 7, 21))
        assert missing_months["fieldErrors"][0]["rule"] == "months_only_with_a_course"
        fields |= {"monthsInKazakhstan": 0, "monthsAbroad": 6}
        assert run(api, "decideReview", fields, date(2023, 7, 21))["application"]["stage"] == (
            "LANGUAGE_COURSE"
        )

    def test_an_officers_decision_needs_a_reason(self, api: Api, service: CaseService) -> None:
        j = submitted(service, plan=b.plan(Programme.MASTERS, Category.GENERAL, country="AR"))
        run(api, "assessEligibility", {"applicationId": str(j.id)}, date(2023, 4, 25))
        result = run(
            api,
            "decideReview",
            {"applicationId": str(j.id), "decision": "INELIGIBLE"},
            date(2023, 4, 26),
        )
        assert result["__typename"] == "InvalidInput"
        assert (result["fieldErrors"][0]["field"], result["fieldErrors"][0]["rule"]) == (
            "reason",
            "required",
        )
        assert service.get_case(j.id).stage is Stage.ELIGIBILITY_REVIEW


class TestWhatTheCampaignConsiders:
    @pytest.mark.parametrize(
        ("programme", "category"),
        [
            (Programme.MASTERS, Category.GENERAL),
            (Programme.MASTERS, Category.SELF_ADMITTED_MASTERS),
            (Programme.DOCTORATE, Category.GENERAL),
            (Programme.DOCTORATE, Category.SELF_ADMITTED_DOCTORATE_RESIDENCY),
        ],
    )
    def test_non_quota_academic_invitation_required_gpa_not_considered(
        self, api: Api, service: CaseService, programme: Programme, category: Category
    ) -> None:
        """001 lines 92-146: an unconditional invitation is required; the GPA is not
        considered; the Order-318 label (general or self-admitted) does not change either."""
        plan = b.plan(programme, category)
        with_invitation = submitted(service, plan=plan, background=b.background(gpa=None))
        without = submitted(
            service, plan=plan, background=b.background(gpa=None, unconditional_invitation=False)
        )
        on = date(2023, 4, 25)
        ok = run(api, "assessEligibility", {"applicationId": str(with_invitation.id)}, on)
        refused = run(api, "assessEligibility", {"applicationId": str(without.id)}, on)
        assert (ok["application"]["stage"], refused["application"]["stage"]) == (
            "ELIGIBLE",
            "INELIGIBLE",
        )

    def test_doctorate_needs_no_foreign_language_certificate(
        self, api: Api, service: CaseService
    ) -> None:
        """001 lines 127-146 name no foreign-language requirement for residency and doctorate
        (nor does 000 lines 151-157): without any certificate the case is eligible."""
        plan = b.plan(Programme.DOCTORATE, Category.SELF_ADMITTED_DOCTORATE_RESIDENCY)
        j = submitted(service, plan=plan, background=b.background(certificates=()))
        result = run(api, "assessEligibility", {"applicationId": str(j.id)}, date(2023, 4, 25))
        assert result["application"]["stage"] == "ELIGIBLE"

    def test_an_internship_is_submitted_and_decided_without_a_gpa(self, api: Api) -> None:
        """001 line 178: the GPA is not considered for an internship: none is asked for."""
        internship = b.plan(Programme.INTERNSHIP, Category.TEACHER)
        ielts_6 = certificate(LanguageTest.IELTS, "6.0")
        package = b.submission(
            plan=internship, background=b.background(gpa=None, certificates=(ielts_6,))
        )
        submission = submission_input(package)
        assert "gpa" not in submission["background"]
        new = run(api, "submitApplication", submission, date(2023, 4, 20))
        assert new["__typename"] == "CaseUpdated", new
        case_id = new["application"]["id"]
        decided = run(api, "assessEligibility", {"applicationId": case_id}, date(2023, 4, 25))
        assert decided["application"]["stage"] == "ELIGIBLE"


class TestTheDocumentPackage:
    def test_a_missing_document_holds_the_case_back_from_testing_until_presented(
        self, api: Api, service: CaseService, store_settings: Settings
    ) -> None:
        """001 lines 263-270 (the rural package) list the language certificate."""
        documents = tuple(d for d in Document if d is not Document.LANGUAGE_CERTIFICATE)
        j = Journey(service, b.submission(background=b.background(documents=documents)))
        j.to(Stage.SUBMITTED)
        run(api, "assessEligibility", {"applicationId": str(j.id)}, date(2023, 4, 25))
        waiting = [
            w for w in worklist(api, store_settings, "documents") if w["applicationId"] == str(j.id)
        ]
        assert [w["missingDocuments"] for w in waiting] == [["LANGUAGE_CERTIFICATE"]]
        testing = {"applicationId": str(j.id), "verbalScore": 60, "numericalScore": 60}
        refused = run(api, "recordTesting", testing, date(2023, 5, 5))
        assert (refused["__typename"], refused["rule"]) == (
            "ProcessRefused",
            "documents_complete_before_testing",
        )
        presented = run(
            api,
            "presentDocuments",
            {"applicationId": str(j.id), "documents": ["LANGUAGE_CERTIFICATE"]},
            date(2023, 4, 28),
        )
        assert presented["__typename"] == "CaseUpdated"
        assert str(j.id) not in [w["applicationId"] for w in worklist(api, store_settings)]
        assert run(api, "recordTesting", testing, date(2023, 5, 5))["application"]["stage"] == (
            "TESTED"
        )

    def test_the_academic_record_is_asked_only_of_applicants_studying_abroad(
        self, api: Api, service: CaseService
    ) -> None:
        """001 line 89: "ДОКУМЕНТ ОБ УСПЕВАЕМОСТИ (для лиц, обучающихся за рубежом)"."""
        plan = b.plan(Programme.MASTERS, Category.GENERAL)
        everything_but = tuple(d for d in Document if d is not Document.ACADEMIC_RECORD)
        abroad = b.background(documents=everything_but, studying_abroad=True)
        at_home = submitted(service, plan=plan, background=b.background(documents=everything_but))
        studying_abroad = submitted(service, plan=plan, background=abroad)
        for j in (at_home, studying_abroad):
            run(api, "assessEligibility", {"applicationId": str(j.id)}, date(2023, 4, 25))
        assert of_type(api, at_home.id, "DocumentsChecked") == []  # complete: nothing to note
        [abroad_check] = of_type(api, studying_abroad.id, "DocumentsChecked")
        assert abroad_check["data"]["missing"] == ["academic_record"]
        assert abroad_check["rulesets"] == ["document-checklist-2023"]


class TestControlTests:
    def test_a_failed_control_test_after_the_course_goes_to_an_officer(
        self, api: Api, service: CaseService
    ) -> None:
        """002 line 1915: after the full course, the control test confirms the third
        threshold; the seeds state no consequence of failing it."""
        weak = b.background(certificates=(b.ielts("5.5"),))
        j = Journey(service, b.submission(background=weak))
        j.to(Stage.CONTRACTED)
        j.send(c.AssignLanguageCourse(j.id), date(2023, 7, 20))
        fields = {
            "applicationId": str(j.id),
            "purpose": "ADMISSION_AFTER_COURSE",
            "passed": False,
            "result": "IELTS 6.0",
        }
        result = run(api, "recordControlTest", fields, date(2024, 7, 20))
        assert result["application"]["stage"] == "SCHOLAR_REVIEW"
        [test] = of_type(api, j.id, "ControlTestTaken")
        assert test["rulesets"] == ["control-test-order318"]
        go_on = {"applicationId": str(j.id), "decision": "CONTINUE", "reason": REASON}
        assert run(api, "decideReview", go_on, date(2024, 7, 22))["application"]["stage"] == (
            "LANGUAGE_COURSE"
        )


class TestToeflItp:
    @pytest.mark.parametrize(("within", "stage"), [(True, "ELIGIBLE"), (False, "INELIGIBLE")])
    def test_an_itp_counts_in_order_318_only_within_the_competition(
        self, api: Api, service: CaseService, within: bool, stage: str
    ) -> None:
        """002 line 858: "ITP**" certificates are accepted only when taken in the testing of
        the Bolashak competition (general competition, 002 lines 297-302: ITP 550)."""
        itp = certificate(LanguageTest.TOEFL_ITP, 600, within_competition=within)
        plan = b.plan(Programme.MASTERS, Category.GENERAL)
        j = submitted(service, plan=plan, background=b.background(certificates=(itp,)))
        result = run(api, "assessEligibility", {"applicationId": str(j.id)}, date(2023, 4, 25))
        assert result["application"]["stage"] == stage
        [decision] = of_type(api, j.id, "EligibilityAssessed")
        assert ("language.not_counted" in decision["facts"]) is not within


class TestTimeLimits:
    def test_the_selections_time_limits_are_deadlines_officers_see(
        self, api: Api, service: CaseService, store_settings: Settings
    ) -> None:
        """001 line 533 (eGov: 2 working days), 000 lines 473-477 (the protocol within 10
        days, the winners list the day after): shown, never changing the case."""
        j = Journey(service)
        j.to(Stage.AWARDED)  # eligibility on 25 April: the intake's answer was late
        run(api, "recordWinnersListPublished", {"applicationId": str(j.id)}, date(2023, 6, 13))
        build_projection_engine(store_settings).run_until_head()
        query = """query($kind: DeadlineKind, $after: String) {
          deadlines(kind: $kind, state: null, first: 100, after: $after) {
          edges { node { applicationId kind dueOn state closedOn } }
          pageInfo { hasNextPage endCursor } } }"""
        states = {}
        for kind in ("egov_intake", "commission_protocol", "winners_list"):
            after = None
            while True:  # every page: the PostgreSQL store is shared by the session's tests
                page = api.data(query, {"kind": kind.upper(), "after": after})["deadlines"]
                for edge in page["edges"]:
                    if edge["node"]["applicationId"] == str(j.id):
                        states[kind] = (edge["node"]["dueOn"], edge["node"]["state"])
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
        assert states == {
            "egov_intake": ("2023-04-24", "LATE"),
            "commission_protocol": ("2023-06-20", "MET"),
            "winners_list": ("2023-06-13", "MET"),
        }
        assert service.get_case(j.id).stage is Stage.AWARDED


def test_rules_show_prints_the_9_plus_3_rows_with_their_citations() -> None:
    """`bolashak rules show language-courses-2023-quota`: the rows of 001 lines 275, 339,
    417 (bands of line 498), each with its source lines, and the second-threshold row
    marked as CIP policy."""
    shown = bolashak_here(["rules", "show", "language-courses-2023-quota"], {})
    assert shown.exit_code == 0, shown.output
    ruleset = json.loads(shown.stdout)
    assert [s["lines"] for s in ruleset["sources"]] == ["275, 339, 417", "495-498"]
    rows = ruleset["data"]["rows"]
    assert [(r["months_in_kazakhstan"], r["months_abroad"]) for r in rows] == [(9, 3), (0, 3)]
    assert {r["source_lines"] for r in rows} == {"275, 339, 417, 498"}
    assert [r.get("policy", False) for r in rows] == [False, True]
