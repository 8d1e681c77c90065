"""Bad input gets a clear error, never a stack trace (issue 19, section 3), through GraphQL
on PostgreSQL and SQLite: a variable nested 500 deep, or holding thousands of values, is
refused with a GraphQL error naming the limit and one log line (it raised RecursionError
and logged a 130-165 KB traceback per request); 5,000 identical certificates are refused
with one field error naming the cap (they were accepted); an unknown country code and a
birth date after the business date are named together with the field and the rule.
Nothing is stored."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from contextlib import closing
from typing import Any
from uuid import uuid4

import pytest

from api.inputs import MAX_INPUT_DEPTH, MAX_INPUT_VALUES
from domain.case.meta import Role
from domain.clock import FixedClock
from domain.validation import MAX_CERTIFICATES
from infra.case_store import CaseEvents
from infra.container import build_reader, build_service
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support import builders as b
from tests.support.api import Api, api_for
from tests.support.authz import PREREQUISITES, command_input, document, prepare
from tests.support.stored import stored

SHEET = (
    "mutation M($input: EvaluateInterviewInput!) { evaluateInterview(input: $input) {"
    " __typename ... on InvalidInput { fieldErrors { field rule } } } }"
)


@pytest.fixture
def api(store_settings: Settings) -> Iterator[Api]:
    with api_for(store_settings, clock_day=FAR_FUTURE) as client:
        yield client


@pytest.fixture
def reader(store_settings: Settings) -> Iterator[CaseEvents]:
    with closing(build_reader(store_settings)) as found:
        yield found


def sheet_input(settings: Settings, scores: Any) -> dict[str, Any]:
    needs = PREREQUISITES["evaluateInterview"]
    with closing(build_service(settings, clock=FixedClock(FAR_FUTURE))) as service:
        case_id = prepare(service, needs)
    sent: dict[str, Any] = command_input(needs, case_id, f"sheet-{uuid4().hex}")
    return {**sent, "scores": scores}


def nested(depth: int) -> Any:
    value: Any = 5
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("scores", "limit"),
    [
        (nested(500), f"nests deeper than {MAX_INPUT_DEPTH} levels"),
        ({"professional_preparation": nested(500)}, f"nests deeper than {MAX_INPUT_DEPTH} levels"),
        ([list(range(300))] * 200, f"more than {MAX_INPUT_VALUES} values"),
    ],
    ids=["array-500-deep", "object-holding-an-array-500-deep", "60000-values"],
)
@pytest.mark.parametrize("role", [Role.EXPERT, Role.OFFICER], ids=lambda r: str(r.value))
def test_an_input_too_deep_or_too_big_gets_a_graphql_error_naming_the_limit_and_one_log_line(
    store_settings: Settings,
    api: Api,
    reader: CaseEvents,
    caplog: pytest.LogCaptureFixture,
    scores: Any,
    limit: str,
    role: Role,
) -> None:
    sent = sheet_input(store_settings, scores)
    before = stored(reader)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        response = api.post(SHEET, {"input": sent}, role=role)
    body = response.json()
    assert response.status_code == 200, response.text
    [error] = body["errors"]
    assert limit in error["message"], error
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert stored(reader) == before
    ours = [r for r in caplog.records if r.name.startswith(("api", "domain", "infra"))]
    assert len(ours) == 1, [r.getMessage() for r in ours]
    assert ours[0].exc_info is None
    assert len(caplog.text) < 2_000  # one line, not a traceback


def test_five_thousand_identical_certificates_are_refused_with_one_error_naming_the_cap(
    api: Api, reader: CaseEvents
) -> None:
    needs = PREREQUISITES["submitApplication"]
    sent = copy.deepcopy(command_input(needs, None, f"egov-{uuid4().hex}"))
    certificate = sent["background"]["certificates"][0]
    sent["background"]["certificates"] = [certificate] * 5000
    before = stored(reader)
    response = api.post(document("submitApplication"), {"input": sent})
    answer = response.json()["data"]["submitApplication"]
    assert answer["__typename"] == "InvalidInput", answer
    [error] = answer["fieldErrors"]
    assert (error["field"], error["rule"]) == ("background.certificates", "max_items")
    assert f"at most {MAX_CERTIFICATES}" in error["message"]
    assert stored(reader) == before
    sent["background"]["certificates"] = [certificate, certificate]
    answer = api.post(document("submitApplication"), {"input": sent}).json()
    assert [
        (e["field"], e["rule"]) for e in answer["data"]["submitApplication"]["fieldErrors"]
    ] == [("background.certificates", "no_duplicates")]
    assert stored(reader) == before


def test_an_unknown_country_and_a_birth_date_after_the_business_date_are_named_together(
    api: Api, reader: CaseEvents
) -> None:
    """ZZ is no ISO 3166 country; the applicant is born (by the IIN too) after the
    submission's business date. Both are named at once, with every other problem."""
    needs = PREREQUISITES["submitApplication"]
    sent = copy.deepcopy(command_input(needs, None, f"egov-{uuid4().hex}"))
    late = b.unique_applicant()
    born = needs.on.replace(year=needs.on.year + 1)
    iin = b.synthetic_iin(born, female=False)
    sent["applicant"] |= {"iin": iin, "birthDate": born.isoformat(), "fullName": late.full_name}
    sent["plan"]["country"] = "ZZ"
    before = stored(reader)
    answer = api.post(document("submitApplication"), {"input": sent}).json()
    found = answer["data"]["submitApplication"]
    assert found["__typename"] == "InvalidInput", found
    assert {(e["field"], e["rule"]) for e in found["fieldErrors"]} == {
        ("plan.country", "iso_country_code"),
        ("applicant.birthDate", "born_before_submission"),
    }
    assert stored(reader) == before


@pytest.mark.parametrize("code", ["GB", "KZ", "US", "KR", "JP", "CN"])
def test_a_real_country_code_is_taken(api: Api, code: str) -> None:
    """The control: the countries of the regulations' tables are ISO 3166 codes."""
    needs = PREREQUISITES["submitApplication"]
    sent = copy.deepcopy(command_input(needs, None, f"egov-{uuid4().hex}"))
    sent["plan"]["country"] = code
    answer = api.post(document("submitApplication"), {"input": sent}).json()
    assert answer["data"]["submitApplication"]["__typename"] == "CaseUpdated", answer
