"""The GraphQL API in process: operations, typed errors, and the hardening around them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from api.pipeline import Limits
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.programme import Category, Programme
from domain.submission import Document
from infra.container import build_projection_engine, build_service
from infra.database import init_schema
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support import builders as b
from tests.support.api import Api, api_for
from tests.support.authz import submission_input
from tests.support.journey import Journey

CASE_FIELDS = "id applicantCode stage status programme category version"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder: Path = tmp_path_factory.mktemp("api")
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": f"sqlite:///{folder}/api.db"})
    init_schema(settings)
    service = build_service(settings, clock=FixedClock(FAR_FUTURE))
    for stage in (Stage.SUBMITTED, Stage.INTERVIEW_BOOKED, Stage.AWARDED, Stage.CONTRACTED):
        Journey(service).to(stage)
    Journey(service, b.submission(plan=b.plan(Programme.MASTERS, Category.GENERAL))).to(
        Stage.TESTED  # beside the builders' rural cases, one of another category
    )
    build_projection_engine(settings).run_until_head()
    service.close()
    return settings


@pytest.fixture(scope="module")
def api(store: Settings) -> Iterator[Api]:
    with api_for(store, clock_day=FAR_FUTURE) as client:
        yield client


def submit_input(key: str) -> dict[str, Any]:
    """A package that meets every 2023 requirement (``tests.support.builders``), filed on 20
    April 2023 with idempotency key ``key``."""
    package = b.submission(applicant=b.applicant(full_name="Esenbayeva Madina"))
    return submission_input(package) | {"idempotencyKey": key, "occurredOn": "2023-04-20"}


SUBMIT = f"""mutation($input: SubmitApplicationInput!) {{ submitApplication(input: $input) {{
  __typename
  ... on CaseUpdated {{ version replayed application {{ {CASE_FIELDS} applicant {{ fullName }} }} }}
  ... on InvalidInput {{ message fieldErrors {{ field rule message }} }}
  ... on NotAllowed {{ command role }}
  ... on Conflict {{ kind }}
}} }}"""


def first_case(api: Api, stage: str) -> dict[str, Any]:
    data = api.data(
        "query($f: ApplicationFilter) { applications(filter: $f) "
        f"{{ edges {{ node {{ {CASE_FIELDS} }} }} }} }}",
        {"f": {"stage": stage}},
    )
    node: dict[str, Any] = data["applications"]["edges"][0]["node"]
    return node


class TestMutations:
    def test_a_submission_returns_the_new_case_with_the_caller_as_actor(self, api: Api) -> None:
        result = api.data(SUBMIT, {"input": submit_input("api-1")}, user="officer-42")
        updated = result["submitApplication"]
        assert updated["__typename"] == "CaseUpdated"
        assert updated["application"]["stage"] == "SUBMITTED"
        assert updated["application"]["applicant"]["fullName"] == "Esenbayeva Madina"
        case_id = updated["application"]["id"]
        history = api.data(
            "query($id: ID!) { caseHistory(applicationId: $id) "
            "{ events { actorId actorRole type } } }",
            {"id": case_id},
        )
        assert history["caseHistory"]["events"] == [
            {"actorId": "officer-42", "actorRole": "OFFICER", "type": "Submitted"}
        ]

    def test_a_repeated_key_replays_the_first_result(self, api: Api) -> None:
        first = api.data(SUBMIT, {"input": submit_input("api-2")})["submitApplication"]
        again = api.data(SUBMIT, {"input": submit_input("api-2")})["submitApplication"]
        assert (again["replayed"], again["version"]) == (True, first["version"])

    def test_the_same_key_for_another_command_is_a_conflict(self, api: Api) -> None:
        api.data(SUBMIT, {"input": submit_input("api-3")})
        changed = submit_input("api-3") | {"occurredOn": "2023-04-21"}
        changed["plan"]["country"] = "US"
        result = api.data(SUBMIT, {"input": changed})["submitApplication"]
        assert (result["__typename"], result["kind"]) == ("Conflict", "idempotency_key_reused")

    def test_bad_input_comes_back_as_data_naming_the_field(self, api: Api) -> None:
        bad = submit_input("api-4")
        iin = bad["applicant"]["iin"]
        bad["applicant"]["iin"] = iin[:11] + str((int(iin[11]) + 1) % 10)
        bad["plan"]["country"] = "Britain"
        result = api.data(SUBMIT, {"input": bad})["submitApplication"]
        assert result["__typename"] == "InvalidInput"
        assert {(e["field"], e["rule"]) for e in result["fieldErrors"]} == {
            ("applicant.iin", "iin_check_digit"),
            ("plan.country", "iso_country_code"),
        }

    def test_a_step_the_process_forbids_is_refused_with_its_rule(self, api: Api) -> None:
        case = first_case(api, "SUBMITTED")
        result = api.data(
            "mutation($i: AwardInput!) { award(input: $i) { __typename "
            "... on ProcessRefused { rule stage } } }",
            {
                "i": {
                    "applicationId": case["id"],
                    "idempotencyKey": "api-5",
                    "protocolNumber": "RK-1",
                    "protocolDate": "2023-06-10",
                    "occurredOn": "2023-06-12",
                }
            },
            role=Role.COMMISSION,
        )
        assert result["award"] == {
            "__typename": "ProcessRefused",
            "rule": "commission_decides_after_interview",
            "stage": "submitted",
        }

    def test_a_role_that_may_not_do_it_gets_not_allowed(self, api: Api) -> None:
        result = api.data(SUBMIT, {"input": submit_input("api-6")}, role=Role.AUDITOR)
        assert result["submitApplication"] == {
            "__typename": "NotAllowed",
            "command": "submit_application",
            "role": "auditor",
        }

    def test_an_answer_shows_the_documents_still_missing_and_the_language_route(
        self, api: Api
    ) -> None:
        """001 "НЕОБХОДИМЫЙ ПАКЕТ ДОКУМЕНТОВ": the package's check, made with the eligibility
        assessment, names what is missing; the route (002 lines 862-866) comes with it."""
        documents = tuple(d for d in Document if d is not Document.LANGUAGE_CERTIFICATE)
        package = b.submission(background=b.background(documents=documents))
        sent = submission_input(package) | {"idempotencyKey": "api-8", "occurredOn": "2023-04-20"}
        submitted = api.data(SUBMIT, {"input": sent})["submitApplication"]
        case_id = submitted["application"]["id"]
        assessed = api.data(
            "mutation($i: AssessEligibilityInput!) { assessEligibility(input: $i) {"
            " ... on CaseUpdated { application { missingDocuments courseRoute } } } }",
            {
                "i": {
                    "applicationId": case_id,
                    "idempotencyKey": "api-9",
                    "occurredOn": "2023-04-25",
                }
            },
        )
        assert assessed["assessEligibility"]["application"] == {
            "missingDocuments": ["LANGUAGE_CERTIFICATE"],
            "courseRoute": "STRAIGHT_TO_STUDY",
        }

    def test_an_unknown_case_is_not_found(self, api: Api) -> None:
        result = api.data(
            "mutation($i: WithdrawInput!) { withdraw(input: $i) { __typename } }",
            {
                "i": {
                    "applicationId": "00000000-0000-0000-0000-000000000001",
                    "idempotencyKey": "api-7",
                }
            },
        )
        assert result["withdraw"]["__typename"] == "NotFound"


class TestQueries:
    def test_applications_are_paged_with_cursors(self, api: Api) -> None:
        page = api.data(
            "{ applications(first: 2) { edges { cursor node { id } } "
            "pageInfo { hasNextPage endCursor } } }"
        )["applications"]
        assert len(page["edges"]) == 2
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        rest = api.data(
            "query($a: String) { applications(first: 100, after: $a) { edges { node { id } } } }",
            {"a": page["pageInfo"]["endCursor"]},
        )
        ids = [e["node"]["id"] for e in page["edges"] + rest["applications"]["edges"]]
        assert len(ids) == len(set(ids))

    def test_the_case_list_shows_the_missing_documents_and_the_language_route(
        self, api: Api
    ) -> None:
        """A submitted case has had no check yet; an awarded one passed it complete, with
        IELTS 7.0 over the third threshold: straight to study (001 table)."""
        fields = "missingDocuments courseRoute"
        query = (
            "query($f: ApplicationFilter) { applications(filter: $f) "
            f"{{ edges {{ node {{ {fields} }} }} }} }}"
        )
        found = {
            stage: api.data(query, {"f": {"stage": stage}})["applications"]["edges"][0]["node"]
            for stage in ("SUBMITTED", "AWARDED")
        }
        assert found == {
            "SUBMITTED": {"missingDocuments": [], "courseRoute": None},
            "AWARDED": {"missingDocuments": [], "courseRoute": "STRAIGHT_TO_STUDY"},
        }

    def test_dashboard_deadlines_queue_trail_rulesets_and_status(self, api: Api) -> None:
        data = api.data("""{
          dashboard(year: 2023) { funnel { key count } awardsTarget }
          deadlines(kind: CONTRACT, state: null) { edges { node { dueOn state overdue } } }
          interviewQueue { edges { node { applicantCode sheets } } }
          auditTrail(first: 5) { edges { node { eventType actorRole rulesets } } }
          rulesets(kind: CONTRACT_DEADLINE) { id sources { seed lines } }
          ruleset(id: "intake-windows-2023") { data }
          projectionStatus { name lag }
        }""")
        assert data["dashboard"]["awardsTarget"] == 555
        assert data["deadlines"]["edges"]
        assert data["interviewQueue"]["edges"][0]["node"]["applicantCode"].startswith("BA-")
        assert data["auditTrail"]["edges"][0]["node"]["eventType"] == "Submitted"
        assert data["rulesets"][0]["id"] == "contract-deadline"
        assert data["ruleset"]["data"]["campaign_year"] == 2023
        assert {s["name"] for s in data["projectionStatus"]} >= {"case_list", "audit_trail"}

    def test_the_dashboard_has_the_funnel_of_each_category(self, api: Api) -> None:
        board = api.data(
            "{ dashboard(year: 2023) { funnel { key count }"
            " funnelByCategory { category funnel { key count } } } }"
        )["dashboard"]
        funnel = {c["key"]: c["count"] for c in board["funnel"]}
        by_category = {
            f["category"]: {c["key"]: c["count"] for c in f["funnel"]}
            for f in board["funnelByCategory"]
        }
        assert set(by_category) == {"RURAL", "GENERAL"}
        general = by_category["GENERAL"]
        assert (general["submitted"], general["tested"], general["awarded"]) == (1, 1, 0)
        assert {k: sum(f[k] for f in by_category.values()) for k in funnel} == funnel

    def test_case_history_as_of_a_version(self, api: Api) -> None:
        case = first_case(api, "AWARDED")
        data = api.data(
            "query($id: ID!) { caseHistory(applicationId: $id, asOfVersion: 3) "
            "{ asOfVersion events { version type } state { stage } } }",
            {"id": case["id"]},
        )
        history = data["caseHistory"]
        assert history["asOfVersion"] == 3
        assert [e["type"] for e in history["events"]] == [
            "Submitted",
            "EligibilityAssessed",
            "TestingCompleted",
        ]
        assert history["state"]["stage"] == "TESTED"


class TestUserErrors:
    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ('{ applications(after: "garbage") { edges { cursor } } }', "after"),
            ("{ applications(first: 101) { edges { cursor } } }", "first"),
            ('{ application(id: "not-a-uuid") { id } }', "id"),
        ],
    )
    def test_user_errors_are_shown_as_such(self, api: Api, query: str, field: str) -> None:
        body = api.post(query).json()
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}


class TestHardening:
    def test_no_token_no_data(self, api: Api) -> None:
        response = api.post("{ __typename }", role=None)
        assert response.status_code == 401
        assert "bearer token" in response.json()["errors"][0]["message"]

    def test_a_forged_token_is_refused(self, api: Api) -> None:
        response = api.client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"authorization": "Bearer a.b.c"}
        )
        assert response.status_code == 401

    def test_introspection_cannot_nest_without_end(self, api: Api) -> None:
        deep = "{ __schema { types " + "{ fields { type " * 8 + "{ name }" + " } }" * 8 + " } }"
        assert api.post(deep).json()["errors"][0]["message"] == (
            "Maximum introspection depth exceeded"
        )

    def test_too_many_aliases_are_refused(self, api: Api) -> None:
        aliases = " ".join(f"a{i}: __typename" for i in range(40))
        assert "aliases" in api.post(f"{{ {aliases} }}").json()["errors"][0]["message"]

    def test_too_many_tokens_are_refused(self, api: Api) -> None:
        huge = "{ " + " ".join("__typename" for _ in range(6000)) + " }"
        assert "token" in api.post(huge).json()["errors"][0]["message"].lower()

    def test_a_body_over_the_limit_is_refused(self, api: Api) -> None:
        token = api.token(Role.OFFICER)
        response = api.client.post(
            "/graphql",
            content=b'{"query": "' + b" " * (Limits().max_body_bytes + 10) + b'"}',
            headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
        )
        assert response.status_code == 413

    def test_mutations_need_post(self, api: Api) -> None:
        token = api.token(Role.OFFICER)
        response = api.client.get(
            "/graphql",
            params={
                "query": 'mutation { withdraw(input: {applicationId: "x", '
                'idempotencyKey: "k"}) { __typename } }'
            },
            headers={"authorization": f"Bearer {token}"},
        )
        assert response.status_code == 405

    def test_only_json_requests_are_taken(self, api: Api) -> None:
        token = api.token(Role.OFFICER)
        response = api.client.post(
            "/graphql",
            content=b"query { __typename }",
            headers={"authorization": f"Bearer {token}", "content-type": "application/graphql"},
        )
        assert response.status_code == 415

    def test_graphql_response_json_is_served_when_asked(self, api: Api) -> None:
        response = api.post(
            "{ __typename }", headers={"accept": "application/graphql-response+json"}
        )
        assert response.headers["content-type"].startswith("application/graphql-response+json")
        broken = api.post("{ nope }", headers={"accept": "application/graphql-response+json"})
        assert broken.status_code == 400
        assert "data" not in broken.json()

    def test_variables_that_do_not_fit_their_types_are_a_request_error(self, api: Api) -> None:
        """Coerced once, as the operation's executor is built: refused before it runs,
        400 under the GraphQL response media type, 200 under plain JSON, never data."""
        query = "query D($year: Int!) { dashboard(year: $year) { awardsTarget } }"
        for accept, status in (("application/graphql-response+json", 400), ("", 200)):
            headers = {"accept": accept} if accept else {}
            refused = api.post(query, {"year": "twenty"}, headers=headers)
            assert refused.status_code == status
            assert "data" not in refused.json()
            assert "$year" in refused.json()["errors"][0]["message"]
        assert api.post(query, {"year": 2023}).json()["data"]["dashboard"]


def test_too_deep_a_query_is_refused(store: Settings) -> None:
    with api_for(store, limits=Limits(max_depth=2)) as shallow:
        fine = "{ dashboard(year: 2023) { byWindow { intakeWindow } } }"
        assert "errors" not in shallow.post(fine).json()
        deep = "{ dashboard(year: 2023) { byWindow { funnel { key } } } }"
        assert (
            "exceeds maximum operation depth" in shallow.post(deep).json()["errors"][0]["message"]
        )


def test_a_request_over_its_time_limit_is_stopped(store: Settings) -> None:
    with api_for(store, limits=Limits(timeout_seconds=0.000_001)) as hurried:
        response = hurried.post("{ applications(first: 100) { edges { node { id } } } }")
        assert response.status_code == 504
        assert response.json()["errors"][0]["extensions"] == {"code": "TIMEOUT"}


def test_production_mode_turns_off_introspection_and_graphiql(store: Settings) -> None:
    with api_for(store, production=True, clock_day=date(2026, 11, 22)) as prod:
        body = prod.post("{ __schema { types { name } } }").json()
        assert "introspection is disabled" in body["errors"][0]["message"]
        lookup = prod.post('{ __type(name: "Stage") { name } }').json()
        assert lookup == {"data": {"__type": {"name": "Stage"}}}
        page = prod.client.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code != 200 or "graphiql" not in page.text.lower()


def test_development_mode_serves_graphiql(api: Api) -> None:
    page = api.client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
