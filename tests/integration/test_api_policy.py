"""CIP policy through GraphQL (issue 18, section 5), on SQLite and PostgreSQL: the rulesets
query lists the policies and each ruleset's status today; the policies decide the interview's
outcome and a revocation's basis, which the case history shows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.rules import catalog
from infra.container import build_service
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.integration.conftest import store_of_its_own
from tests.support.api import Api, api_for
from tests.support.journey import SCORES, Journey

RULESETS = """query R($policy: Boolean) {
  rulesets(policy: $policy) { id policy policyRows status sources { seed lines keywords } }
}"""
HISTORY = """query H($id: ID!) { caseHistory(applicationId: $id) {
  events { type rulesets facts data } } }"""
ANSWER = """__typename ... on InvalidInput { fieldErrors { field rule message } }
  ... on ProcessRefused { rule }"""


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, dict[Stage, str]]]:
    with store_of_its_own(request.param, "policy", tmp_path_factory) as settings:
        service = build_service(settings, clock=FixedClock(FAR_FUTURE))
        cases = {s: str(Journey(service).to(s)) for s in (Stage.INTERVIEW_BOOKED, Stage.CONTRACTED)}
        service.close()
        yield settings, cases


@pytest.fixture(scope="module")
def api(store: tuple[Settings, dict[Stage, str]]) -> Iterator[Api]:
    with api_for(store[0], clock_day=FAR_FUTURE) as client:
        yield client


def send(api: Api, mutation: str, fields: dict[str, Any], role: Role, user: str = "") -> Any:
    """The mutation's answer: its ``__typename``, with the errors of a refusal."""
    kind = mutation[0].upper() + mutation[1:]
    document = f"mutation($in: {kind}Input!) {{ {mutation}(input: $in) {{ {ANSWER} }} }}"
    return api.data(document, {"in": fields}, role=role, user=user)[mutation]


def last_event(api: Api, case_id: str) -> dict[str, Any]:
    events: list[dict[str, Any]] = api.data(HISTORY, {"id": case_id})["caseHistory"]["events"]
    return events[-1]


class TestTheRulesetsQuery:
    def test_policy_true_lists_exactly_the_rulesets_that_are_or_hold_policy(self, api: Api) -> None:
        listed = api.data(RULESETS, {"policy": True})["rulesets"]
        expected = {r.id for r in catalog.all_rulesets().values() if r.has_policy}
        assert {r["id"] for r in listed} == expected
        assert {"cip-policy-interview-recommendation", "cip-policy-status-revocation"} <= expected
        assert all(r["policy"] for r in listed)

    def test_policy_false_lists_the_others_and_no_filter_lists_all(self, api: Api) -> None:
        others = {r["id"] for r in api.data(RULESETS, {"policy": False})["rulesets"]}
        policies = {r["id"] for r in api.data(RULESETS, {"policy": True})["rulesets"]}
        every = {r["id"] for r in api.data(RULESETS)["rulesets"]}
        assert others.isdisjoint(policies)
        assert others | policies == every == set(catalog.all_rulesets())

    def test_a_policys_sources_cite_the_seed_lines_it_interprets(self, api: Api) -> None:
        listed = {r["id"]: r for r in api.data(RULESETS, {"policy": True})["rulesets"]}
        revocation = listed["cip-policy-status-revocation"]
        assert revocation["sources"] == [
            {
                "seed": "000_770805826025d091.txt",
                "lines": "45-47",
                "keywords": ["мәртебесінен айырылады"],
            }
        ]

    def test_the_status_is_that_of_todays_business_date(self, api: Api) -> None:
        """The server's clock says 2031-01-01: the 2023 campaign's rulesets are history."""
        status = {r["id"]: r["status"] for r in api.data(RULESETS)["rulesets"]}
        assert status["eligibility-2023-campaign"] == "HISTORY"
        assert status["interview-sheet-2017"] == "IN_FORCE"
        assert status["cip-policy-status-revocation"] == "IN_FORCE"

    def test_a_ruleset_that_starts_after_today_is_not_yet(
        self, store: tuple[Settings, dict[Stage, str]]
    ) -> None:
        """Order 318 in the wording of 24.07.2018 (002 line 67), seen from 2017-01-01."""
        with api_for(store[0], clock_day=date(2017, 1, 1)) as early:
            status = {r["id"]: r["status"] for r in early.data(RULESETS)["rulesets"]}
        assert status["language-thresholds-order318-2018"] == "NOT_YET"
        assert status["interview-sheet-2017"] == "NOT_YET"


class TestThePoliciesDecide:
    def test_a_tie_of_the_members_recommendations_is_not_recommended(
        self, api: Api, store: tuple[Settings, dict[Stage, str]]
    ) -> None:
        """002 lines 1467-1471: each member recommends or not; a strict majority is CIP's."""
        case_id = store[1][Stage.INTERVIEW_BOOKED]
        for expert, recommend in (("nec-11", True), ("nec-12", False)):
            sheet = {
                "applicationId": case_id,
                "scores": SCORES,
                "recommend": recommend,
                "comment": "synthetic",
                "idempotencyKey": f"sheet-{expert}-{case_id}",
                "occurredOn": "2023-05-20",
            }
            answer = send(api, "evaluateInterview", sheet, Role.EXPERT, expert)
            assert answer["__typename"] == "SheetRecorded", answer
        final = {
            "applicationId": case_id,
            "finalScore": "4.60",
            "idempotencyKey": f"final-{case_id}",
            "occurredOn": "2023-05-22",
        }
        answer = send(api, "completeInterview", final, Role.OFFICER)
        assert answer["__typename"] == "CaseUpdated", answer
        event = last_event(api, case_id)
        assert event["type"] == "InterviewCompleted"
        assert event["data"]["recommended"] is False
        assert (event["facts"]["sheets"], event["facts"]["recommendations"]) == ("2", "1")
        assert "cip-policy-interview-recommendation" in event["rulesets"]
        assert "cip-policy-interview-final-grade" in event["rulesets"]

    def test_a_final_grade_off_the_policys_2_to_5_scale_is_refused(
        self, api: Api, store: tuple[Settings, dict[Stage, str]]
    ) -> None:
        final = {
            "applicationId": store[1][Stage.INTERVIEW_BOOKED],
            "finalScore": "5.01",
            "idempotencyKey": "final-off-the-scale",
            "occurredOn": "2023-05-22",
        }
        answer = send(api, "completeInterview", final, Role.OFFICER)
        assert answer["fieldErrors"] == [
            {"field": "finalScore", "rule": "range", "message": "must be between 2 and 5"}
        ]

    def test_a_revocation_for_a_violation_rests_on_cips_policy(
        self, api: Api, store: tuple[Settings, dict[Stage, str]]
    ) -> None:
        """000 lines 45-47 name only the missed contract deadline."""
        case_id = store[1][Stage.CONTRACTED]
        revoke = {
            "applicationId": case_id,
            "revocation": "VIOLATION",
            "idempotencyKey": f"revoke-{case_id}",
            "occurredOn": "2023-08-01",
            "reason": "breach of the training contract (synthetic)",
        }
        answer = send(api, "revoke", revoke, Role.OFFICER)
        assert answer["__typename"] == "CaseUpdated", answer
        event = last_event(api, case_id)
        assert (event["type"], event["rulesets"]) == (
            "StatusRevoked",
            ["cip-policy-status-revocation"],
        )
