"""Every validation rule, one bad value at a time, through GraphQL and the command line.

Each row sends a command that would be carried out, with one field changed to break one
rule, to a case where the command is allowed. The answer must name the field and the rule
(GraphQL: an ``InvalidInput`` with that field error; CLI: ``refused: field: ... [rule]``
and exit status 1), and nothing may be stored (the log's last notification id unchanged).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from typer.testing import CliRunner

from api.cli.main import app as cli
from domain.case.meta import Role
from domain.clock import FixedClock
from domain.iin import make_iin
from domain.submission import Document
from infra.case_store import CaseService
from infra.container import build_reader, build_service
from infra.database import init_schema
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support import builders as b
from tests.support.api import Api, api_for
from tests.support.authz import (
    PREREQUISITES,
    ROLES,
    command_input,
    document,
    graphql_input,
    prepare,
)
from tests.support.stored import stored

VALID_IIN = b.synthetic_iin()
FUTURE = "2031-01-02"  # the clock says 2031-01-01
LATE_BIRTH = date(2024, 1, 2)  # after the submission (2023-04-20)
LATE_IIN = next(i for n in range(1, 99) if (i := make_iin(LATE_BIRTH, female=True, serial=n)))
CONTEXT = {"idempotencyKey", "occurredOn", "reason", "correlationId", "causationId"}


@dataclass(frozen=True)
class Bad:
    """``mutation`` sent with ``changes`` (dotted paths; a value of ``DROP`` removes the
    key) must be refused naming ``field`` and ``rule``."""

    mutation: str
    changes: dict[str, Any]
    field: str
    rule: str

    @property
    def id(self) -> str:
        return f"{self.mutation}-{self.field}-{self.rule}"


DROP: Any = object()


def ielts(score: str, **bands: str) -> dict[str, Any]:
    every = {"listening": score, "reading": score, "writing": score, "speaking": score}
    return {"test": "IELTS", "score": score, "bands": every | bands}


def sub(path: str, value: Any, field: str, rule: str) -> Bad:
    return Bad("submitApplication", {path: value}, field, rule)


CERT = "background.certificates"
SCORE = f"{CERT}[0].score"
ROWS: tuple[Bad, ...] = (
    # the applicant
    sub("applicant.iin", VALID_IIN[:11] + str((int(VALID_IIN[11]) + 1) % 10), "applicant.iin",
        "iin_check_digit"),
    sub("applicant.iin", "96051740001", "applicant.iin", "iin_format"),
    sub("applicant.iin", "96051770001" + "3", "applicant.iin", "iin_century_digit"),
    sub("applicant.iin", "961317400012", "applicant.iin", "iin_birth_date"),
    sub("applicant.birthDate", "1990-01-01", "applicant.birthDate", "iin_birth_date"),
    Bad("submitApplication", {"applicant.iin": LATE_IIN, "applicant.birthDate": "2024-01-02"},
        "applicant.birthDate", "born_before_submission"),
    sub("applicant.fullName", " ", "applicant.fullName", "required"),
    sub("applicant.fullName", "A" * 201, "applicant.fullName", "max_length"),
    sub("applicant.fullName", "Aigerim\x00", "applicant.fullName", "no_control_characters"),
    sub("applicant.email", "aigerim.example.kz", "applicant.email", "email_format"),
    sub("applicant.email", "a" * 250 + "@x.kz", "applicant.email", "email_format"),
    sub("applicant.phone", "call me", "applicant.phone", "phone_format"),
    # the study plan
    sub("plan.country", "Britain", "plan.country", "iso_country_code"),
    sub("plan.country", "ZZ", "plan.country", "iso_country_code"),  # no such country
    sub("plan.country", "gb", "plan.country", "iso_country_code"),
    sub("plan.institution", "U" * 301, "plan.institution", "max_length"),
    sub("plan.specialty", "", "plan.specialty", "required"),
    # KazTest: 150 questions
    sub("background.kaztest.correctAnswers", 151, "background.kaztest.correctAnswers", "range"),
    sub("background.kaztest.correctAnswers", -1, "background.kaztest.correctAnswers", "range"),
    sub("background.kaztest.totalQuestions", 200, "background.kaztest.totalQuestions",
        "kaztest_150"),
    # language certificates: each on its own scale
    sub(CERT, [ielts("9.5")], SCORE, "language_test_scale"),
    sub(CERT, [ielts("6.3")], SCORE, "language_test_scale"),
    sub(CERT, [ielts("-0.5")], SCORE, "language_test_scale"),
    sub(CERT, [ielts("7.0", listening="9.5")], f"{CERT}[0].bands.listening", "ielts_band_scale"),
    sub(CERT, [ielts("7.0", writing="6.25")], f"{CERT}[0].bands.writing", "ielts_band_scale"),
    sub(CERT, [{"test": "TOEFL_IBT", "score": "121"}], SCORE, "language_test_scale"),
    sub(CERT, [{"test": "TOEFL_PBT", "score": "300"}], SCORE, "language_test_scale"),
    sub(CERT, [{"test": "TOEFL_ITP", "score": "678"}], SCORE, "language_test_scale"),
    sub(CERT, [{"test": "DET", "score": "165"}], SCORE, "language_test_scale"),
    sub(CERT, [{"test": "DET", "score": "82"}], SCORE, "language_test_scale"),
    sub(CERT, [{"test": "GOETHE", "score": "D1"}], SCORE, "language_test_scale"),
    sub(CERT, [{"test": "DET", "score": "120", "bands": ielts("7")["bands"]}],
        f"{CERT}[0].bands", "bands_only_for_ielts"),
    # the GPA and the rest of the background
    sub("background.gpa", {"value": "4.5", "scale": "FOUR"}, "background.gpa.value", "gpa_scale"),
    sub("background.gpa", {"value": "101", "scale": "PERCENT"}, "background.gpa.value",
        "gpa_scale"),
    sub("background.gpa", {"value": "NaN", "scale": "FOUR"}, "background.gpa.value",
        "gpa_scale"),  # was an internal error: NaN has no order (found by the fuzz)
    sub("background.gpa", {"value": "3" * 21, "scale": "OTHER"}, "background.gpa.value",
        "max_length"),
    sub("background.bachelorSpecialty", "B" * 301, "background.bachelorSpecialty", "max_length"),
    sub("background.employer", "E" * 301, "background.employer", "max_length"),
    sub("background.position", "P" * 301, "background.position", "max_length"),
    sub("background.totalWorkMonths", 12 * 70 + 1, "background.totalWorkMonths", "range"),
    sub("background.ruralResidenceMonths", -1, "background.ruralResidenceMonths", "range"),
    sub("background.fieldWorkMonthsLast12", 13, "background.fieldWorkMonthsLast12", "range"),
    sub("background.documents", ["KAZTEST_CERTIFICATE", "KAZTEST_CERTIFICATE"],
        "background.documents", "no_duplicates"),
    sub("background.documents", ["KAZTEST_CERTIFICATE"] * 5000, "background.documents",
        "max_items"),
    sub(CERT, [ielts("7.0"), ielts("7.0")], CERT, "no_duplicates"),
    sub(CERT, [ielts("7.0")] * 5000, CERT, "max_items"),  # was accepted (issue 19)
    # the command's context
    sub("occurredOn", FUTURE, "occurredOn", "business_date_not_in_future"),
    sub("occurredOn", "2023-02-15", "occurredOn", "submission_within_intake_window"),
    sub("idempotencyKey", "", "idempotencyKey", "required"),
    sub("idempotencyKey", "k" * 201, "idempotencyKey", "max_length"),
    sub("reason", "r" * 2001, "reason", "max_length"),
    sub("correlationId", "c" * 201, "correlationId", "max_length"),
    Bad("withdraw", {"occurredOn": FUTURE}, "occurredOn", "business_date_not_in_future"),
    Bad("withdraw", {"occurredOn": "2023-04-19"}, "occurredOn",
        "business_date_not_before_previous_event"),
    Bad("withdraw", {"applicationId": "not-a-uuid"}, "applicationId", "type"),
    # scores of the selection
    Bad("recordTesting", {"verbalScore": 101}, "verbalScore", "range"),
    Bad("recordTesting", {"numericalScore": -1}, "numericalScore", "range"),
    Bad("evaluateInterview", {"scores.professional_preparation": 6},
        "scores.professional_preparation", "interview_sheet_scale"),
    Bad("evaluateInterview", {"scores.situational_tasks": 1}, "scores.situational_tasks",
        "interview_sheet_scale"),
    Bad("evaluateInterview", {"scores.choice_awareness": DROP}, "scores.choice_awareness",
        "interview_sheet_scale"),
    Bad("evaluateInterview", {"scores.charm": 5}, "scores.charm", "interview_sheet_scale"),
    Bad("evaluateInterview", {"comment": "c" * 2001}, "comment", "max_length"),
    Bad("evaluateInterview", {"scores": {f"criterion_{n}": 5 for n in range(50)}}, "scores",
        "max_items"),
    Bad("completeInterview", {"finalScore": "5.5"}, "finalScore", "range"),
    Bad("completeInterview", {"finalScore": "1.99"}, "finalScore", "range"),
    Bad("assessEligibility", {"gpaEquivalent": "4.5"}, "gpaEquivalent", "range"),
    Bad("bookInterview", {"slotAt": "2023-05-01T10:00:00"}, "slotAt",
        "interview_slot_not_in_past"),
    # the Republican Commission's protocol, and the contracts after it
    Bad("award", {"protocolNumber": ""}, "protocolNumber", "required"),
    Bad("award", {"protocolNumber": "R" * 51}, "protocolNumber", "max_length"),
    Bad("award", {"protocolDate": "2023-06-13"}, "protocolDate", "protocol_not_after_recording"),
    Bad("award", {"protocolDate": "2023-04-01"}, "protocolDate", "decision_after_interview"),
    Bad("refuse", {"protocolNumber": "R" * 51}, "protocolNumber", "max_length"),
    Bad("refuse", {"protocolDate": "2023-04-01"}, "protocolDate", "decision_after_interview"),
    Bad("signContracts", {"trainingContractNumber": "T" * 51}, "trainingContractNumber",
        "max_length"),
    Bad("signContracts", {"securityContractNumber": ""}, "securityContractNumber", "required"),
    Bad("signContracts", {"occurredOn": "2023-06-11"}, "occurredOn",
        "business_date_not_before_previous_event"),
    Bad("assignLanguageCourse", {"invitationMonths": 13}, "invitationMonths", "range"),
    Bad("assignLanguageCourse", {"invitationMonths": 0}, "invitationMonths", "range"),
    Bad("startWorkOff", {"employer": "E" * 301}, "employer", "max_length"),
    Bad("startWorkOff", {"location": "L" * 101}, "location", "max_length"),
    Bad("startWorkOff", {"location": ""}, "location", "required"),
)  # fmt: skip


MUTATIONS = sorted({r.mutation for r in ROWS})


def changed(sent: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``sent`` with each dotted path set (lists are set whole)."""
    result = copy.deepcopy(sent)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = result
        for name in parents:
            target = target[name]
        if value is DROP:
            del target[last]
        else:
            target[last] = value
    return result


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("bad-input")
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": f"sqlite:///{folder}/cases.db"})
    init_schema(settings)
    return settings


@pytest.fixture(scope="module")
def cases(store: Settings) -> dict[str, UUID | None]:
    """A case for each mutation of the table, where it would be carried out."""
    with closing(build_service(store, clock=FixedClock(FAR_FUTURE))) as service:
        return {name: prepare(service, PREREQUISITES[name]) for name in MUTATIONS}


@pytest.fixture(scope="module")
def api(store: Settings) -> Iterator[Api]:
    with api_for(store, clock_day=FAR_FUTURE) as client:
        yield client


@pytest.fixture(scope="module")
def reader(store: Settings) -> Iterator[CaseService]:
    with closing(build_reader(store)) as found:
        yield found  # type: ignore[misc]


def valid_input(row: Bad, cases: dict[str, UUID | None]) -> dict[str, Any]:
    sent: dict[str, Any] = command_input(
        PREREQUISITES[row.mutation], cases[row.mutation], f"bad-{uuid4().hex}"
    )
    return sent


def test_every_mutation_of_the_table_is_carried_out_without_a_bad_value(
    store: Settings, api: Api
) -> None:
    """The control: each mutation, sent as the table sends it but without the bad value, is
    carried out (so each refusal below is the rule's, not a broken input's)."""
    with closing(build_service(store, clock=FixedClock(FAR_FUTURE))) as service:
        fresh = {name: prepare(service, PREREQUISITES[name]) for name in MUTATIONS}
    for mutation in MUTATIONS:
        sent = command_input(PREREQUISITES[mutation], fresh[mutation], f"good-{uuid4().hex}")
        role = ROLES.get(mutation, Role.OFFICER)
        answer = api.post(document(mutation), {"input": sent}, role=role).json()
        kind = answer["data"][mutation]["__typename"]
        assert kind in ("CaseUpdated", "SheetRecorded"), (mutation, answer)


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_graphql_names_the_field_and_the_rule_and_stores_nothing(
    api: Api, cases: dict[str, UUID | None], reader: Any, row: Bad
) -> None:
    sent = changed(valid_input(row, cases), row.changes)
    before = stored(reader)
    role = ROLES.get(row.mutation, Role.OFFICER)
    response = api.post(document(row.mutation), {"input": sent}, role=role)
    answer = response.json()["data"][row.mutation]
    assert answer["__typename"] == "InvalidInput", answer
    named = {(e["field"], e["rule"]) for e in answer["fieldErrors"]}
    assert named == {(row.field, row.rule)}, answer["message"]
    assert all(e["message"] for e in answer["fieldErrors"])
    assert stored(reader) == before


@pytest.mark.parametrize("mutation", ["withdraw", "recordTesting", "award"])
def test_an_unknown_application_id_is_not_found_and_stores_nothing(
    api: Api, cases: dict[str, UUID | None], reader: Any, mutation: str
) -> None:
    row = Bad(mutation, {"applicationId": str(uuid4())}, "applicationId", "not_found")
    sent = changed(valid_input(row, cases), row.changes)
    before = stored(reader)
    kind = mutation[0].upper() + mutation[1:]
    query = (
        f"mutation M($input: {kind}Input!) {{ {mutation}(input: $input) {{ __typename"
        " ... on NotFound { applicationId } } }"
    )
    role = ROLES.get(mutation, Role.OFFICER)
    answer = api.post(query, {"input": sent}, role=role).json()["data"][mutation]
    assert answer == {"__typename": "NotFound", "applicationId": sent["applicationId"]}
    assert stored(reader) == before


def test_the_command_line_refuses_an_unknown_application_id(store: Settings, reader: Any) -> None:
    before = stored(reader)
    data = json.dumps({"applicationId": str(uuid4())})
    result = CliRunner().invoke(
        cli,
        ["case", "run", "withdraw", "--data", data, "--on", "2023-05-01"],
        env={"BOLASHAK_DATABASE_URL": store.database.url, "COLUMNS": "10000"},
    )
    assert result.exit_code == 3  # not found
    assert "not found" in result.output
    assert stored(reader) == before


SCHEMA_REFUSED = (  # refused by the schema itself, before any command: GraphQL errors
    Bad("submitApplication", {"plan.programme": "ASTROLOGY"}, "programme", "enum"),
    Bad("submitApplication", {"plan.language": "KLINGON"}, "language", "enum"),
    Bad("annulTesting", {"annulment": "BORED"}, "annulment", "enum"),
    Bad("recordTesting", {"verbalScore": "seventy"}, "verbalScore", "type"),
    Bad("recordTesting", {"verbalScore": 2**40}, "verbalScore", "type"),
    Bad("bookInterview", {"slotAt": "next tuesday"}, "slotAt", "type"),
    Bad("completeInterview", {"finalScore": "NaN"}, "finalScore", "type"),
    Bad("recordTesting", {"numericalScore": DROP}, "numericalScore", "required"),
)


@pytest.mark.parametrize("row", SCHEMA_REFUSED, ids=[r.id for r in SCHEMA_REFUSED])
def test_a_value_the_schema_refuses_is_named_and_stores_nothing(
    api: Api, store: Settings, reader: Any, row: Bad
) -> None:
    with closing(build_service(store, clock=FixedClock(FAR_FUTURE))) as service:
        case_id = prepare(service, PREREQUISITES[row.mutation])
    sent = command_input(PREREQUISITES[row.mutation], case_id, f"schema-{uuid4().hex}")
    before = stored(reader)
    response = api.post(document(row.mutation), {"input": changed(sent, row.changes)})
    body = response.json()
    assert response.status_code < 500
    if "errors" in body:  # the variables do not fit the schema's types
        assert "data" not in body
        assert row.field in " ".join(e["message"] for e in body["errors"]), body
    else:  # a scalar the schema takes as text, converted by the command's input rules
        answer = body["data"][row.mutation]
        assert answer["__typename"] == "InvalidInput", answer
        assert [e["field"] for e in answer["fieldErrors"]] == [row.field]
    assert stored(reader) == before


@pytest.mark.parametrize("on", ["2023-13-45", "yesterday"])
def test_the_command_line_names_a_business_date_it_cannot_read(
    store: Settings, reader: Any, on: str
) -> None:
    before = stored(reader)
    data = json.dumps({"applicationId": str(uuid4())})
    result = CliRunner().invoke(
        cli,
        ["case", "run", "withdraw", "--data", data, "--on", on],
        env={"BOLASHAK_DATABASE_URL": store.database.url, "COLUMNS": "10000"},
    )
    assert result.exit_code == 2  # an input error
    assert "--on: must be a date like 2023-04-28" in result.output
    assert "[date_format]" in result.output
    assert stored(reader) == before


# The command line takes the same JSON (enums by value) with the context as options.
CLI_ROWS = tuple(
    r
    for r in ROWS
    if not set(r.changes) & {"idempotencyKey", "correlationId", "causationId"}
    and r.field != "applicationId"
    and "background.gpa" not in r.changes
)


def cli_input(row: Bad, cases: dict[str, UUID | None]) -> dict[str, Any]:
    sent = valid_input(row, cases)
    if row.mutation == "submitApplication":
        sent.update(graphql_input(b.submission(), enums_by_value=True))
    changes = {
        path: [Document[v].value for v in value] if path == "background.documents" else value
        for path, value in row.changes.items()
    }
    return changed(sent, changes)


@pytest.mark.parametrize("row", CLI_ROWS, ids=[r.id for r in CLI_ROWS])
def test_the_command_line_names_the_field_and_the_rule_and_stores_nothing(
    store: Settings, cases: dict[str, UUID | None], reader: Any, row: Bad
) -> None:
    sent = cli_input(row, cases)
    on, reason = sent.pop("occurredOn"), sent.pop("reason", "")
    sent.pop("idempotencyKey")
    role = ROLES.get(row.mutation, Role.OFFICER).value
    name = "".join(f"_{c.lower()}" if c.isupper() else c for c in row.mutation)
    args = ["case", "run", name, "--data", json.dumps(sent), "--on", on, "--role", role]
    before = stored(reader)
    result = CliRunner().invoke(
        cli,
        [*args, "--reason", reason] if reason else args,
        env={"BOLASHAK_DATABASE_URL": store.database.url, "COLUMNS": "10000"},
    )
    assert result.exit_code == 2, result.output  # an input error
    assert f"{row.field}: " in result.output, result.output
    assert f"[{row.rule}]" in result.output, result.output
    assert stored(reader) == before
