"""Fuzzing the GraphQL layer in process: documents generated from the schema
(hypothesis-graphql), for an officer and for an expert, and hand-written hostile bodies.

Every answer is a GraphQL answer or a clean 4xx: never a 500, never a masked internal
error (one would mean an exception nobody turned into a user error); an expert's answers
hold no personal data; a mutation stores events only when it answers that it did.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from typing import Any
from uuid import UUID

import graphql
import httpx
import hypothesis_graphql
import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from api.errors import MASKED_MESSAGE
from api.pipeline import Limits
from api.schema import EXPERT_SDL_FILE, SDL_FILE
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.registry import BY_TYPE, spec_for
from infra.case_store import CaseService
from infra.container import build_projection_engine, build_reader, build_service
from infra.database import init_schema
from infra.inputs import camel
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.fuzz.strategies import (
    SCALAR_NODES,
    command_of,
    dates,
    fragment_bomb,
    fuzz_examples,
    one_field_changed,
    texts,
)
from tests.support import builders as b
from tests.support.api import Api, api_for
from tests.support.authz import as_text, graphql_input, leaks, needles, submission_input
from tests.support.journey import Journey
from tests.support.stored import stored

pytestmark = pytest.mark.integration

PEOPLE = (
    b.applicant(
        full_name="Zhaksylykova Dinara", email="dinara.zh@example.kz", phone="+77015550101"
    ),
    b.applicant(
        full_name="Ormanbekov Nurlan",
        birth_date=date(1994, 2, 23),
        email="nurlan.o@example.kz",
        phone="+77015550202",
    ),
)
STAGES = (Stage.INTERVIEW_BOOKED, Stage.AWARDED)
CASE_IDS: list[str] = []  # filled by the ``store`` fixture: ids the generated documents use
SUCCESS = ("CaseUpdated", "SheetRecorded")


def _ids() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(CASE_IDS), st.uuids().map(str), st.text(max_size=20))


CUSTOM_SCALARS = {
    **SCALAR_NODES,
    "ID": st.deferred(_ids).map(nodes.String),
}


class _AskTypename(graphql.Visitor):
    """Adds ``__typename`` to the selection of every root field of a mutation."""

    def enter_operation_definition(self, node: graphql.OperationDefinitionNode, *_: Any) -> Any:
        if node.operation is not graphql.OperationType.MUTATION:
            return graphql.SKIP
        return None

    def leave_field(
        self, node: graphql.FieldNode, _key: Any, _parent: Any, path: Any, *_: Any
    ) -> Any:
        if node.selection_set is None or len(path) != 5:  # definitions.N.selection_set.selections.M
            return None
        typename = graphql.FieldNode(name=graphql.NameNode(value="__typename"))
        selections = graphql.SelectionSetNode(selections=(*node.selection_set.selections, typename))
        return graphql.FieldNode(
            alias=node.alias,
            name=node.name,
            arguments=node.arguments,
            directives=node.directives,
            selection_set=selections,
        )


def with_typename(document: graphql.DocumentNode) -> str:
    """The document with ``__typename`` asked of every mutation's result, to tell what it did."""
    return graphql.print_ast(graphql.visit(document, _AskTypename()))


def documents(sdl: str) -> st.SearchStrategy[str]:
    return st.one_of(
        *(
            hypothesis_graphql.from_schema(
                sdl, custom_scalars=CUSTOM_SCALARS, print_ast=with_typename, mode=mode
            )
            for mode in (hypothesis_graphql.Mode.POSITIVE, hypothesis_graphql.Mode.NEGATIVE)
        )
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("graphql-fuzz")
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": f"sqlite:///{folder}/cases.db"})
    init_schema(settings)
    with closing(build_service(settings, clock=FixedClock(FAR_FUTURE))) as service:
        CASE_IDS[:] = [
            str(Journey(service, b.submission(applicant=person)).to(stage))
            for person in PEOPLE
            for stage in STAGES
        ]
    engine = build_projection_engine(settings)
    try:
        engine.run_until_head()
    finally:
        engine.db.close()
    return settings


@pytest.fixture(scope="module")
def api(store: Settings) -> Iterator[Api]:
    with api_for(store, clock_day=FAR_FUTURE, limits=Limits(timeout_seconds=5)) as client:
        yield client


@pytest.fixture(scope="module")
def reader(store: Settings) -> Iterator[CaseService]:
    with closing(build_reader(store)) as found:
        yield found  # type: ignore[misc]


def successes(body: Any) -> int:
    """Mutations that answered they were carried out (or replayed: nothing new)."""
    data = body.get("data") if isinstance(body, dict) else None
    return sum(
        1
        for value in (data or {}).values()
        if isinstance(value, dict) and value.get("__typename") in SUCCESS
    )


def check_answer(
    api: Api, reader: Any, document: str, role: Role, variables: dict[str, Any] | None = None
) -> Any:
    """Sends ``document``; checks status, masking and what was stored. Returns the response."""
    note(document[:2000])
    note(repr(variables)[:2000])
    before = stored(reader)
    response = api.client.post(  # escaped JSON: a lone surrogate travels as \\ud800
        "/graphql",
        content=json.dumps({"query": document, "variables": variables or {}}).encode(),
        headers={
            "authorization": f"Bearer {api.token(role, f'{role.value}-fuzz')}",
            "content-type": "application/json",
        },
    )
    assert response.status_code < 500, response.text[:2000]
    assert MASKED_MESSAGE not in response.text, response.text[:2000]
    body = response.json()
    for value in (body.get("data") or {}).values():
        if isinstance(value, dict) and "__typename" in value:
            event(f"mutation answered {value['__typename']}")
    event(f"HTTP {response.status_code}" + (" with errors" if body.get("errors") else ""))
    if successes(body) == 0:
        assert stored(reader) == before, f"nothing succeeded, yet events were stored: {body}"
    return response


FUZZ = settings(
    max_examples=fuzz_examples(150),
    print_blob=True,  # a failure prints @reproduce_failure(...) to replay it exactly
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(document=documents(SDL_FILE.read_text(encoding="utf-8")))
def test_generated_office_documents_never_fail_inside(api: Api, reader: Any, document: str) -> None:
    check_answer(api, reader, document, Role.OFFICER)


@FUZZ
@given(document=documents(EXPERT_SDL_FILE.read_text(encoding="utf-8")))
def test_generated_expert_documents_never_fail_inside_nor_show_personal_data(
    api: Api, reader: Any, document: str
) -> None:
    response = check_answer(api, reader, document, Role.EXPERT)
    searched = [n for person in PEOPLE for n in needles(person)]
    assert leaks(as_text(response), searched) == []


# -- hand-written hostile bodies, against the real server (a client timeout: no hang) -------

CLIENT_TIMEOUT = 60.0  # seconds: far above any answer, a hang ends the test instead
OVER_LIMIT = Limits().max_body_bytes + 1
NEST = 2_400  # two tokens a level: just under the token limit of a document


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _chunks(size: int) -> Iterator[bytes]:
    yield b'{"query": "'
    for _ in range(size // 65_536 + 1):
        yield b" " * 65_536
    yield b'"}'


JSON_TYPE = "application/json"
SUBMIT_NAME = (
    "mutation($i: SubmitApplicationInput!) { submitApplication(input: $i) {"
    " __typename ... on InvalidInput { fieldErrors { field rule } } } }"
)
HOSTILE: dict[str, tuple[Any, str | None, set[int]]] = {
    # name: (body, content type, statuses allowed)
    "malformed JSON": (b'{"query": ', JSON_TYPE, {400}),
    "invalid UTF-8": (b'{"query": "{ __typename }\xff\xfe"}', JSON_TYPE, {400}),
    "a lone surrogate": (b'{"query": "{ __typename } \\ud800"}', JSON_TYPE, {400}),
    "empty body": (b"", JSON_TYPE, {400}),
    "JSON array (a batch)": (_json([{"query": "{ __typename }"}]), JSON_TYPE, {400}),
    "JSON text": (_json("{ __typename }"), JSON_TYPE, {400}),
    "JSON number": (b"42", JSON_TYPE, {400}),
    "JSON null": (b"null", JSON_TYPE, {400}),
    "query not text": (_json({"query": 42}), JSON_TYPE, {400}),
    "variables not an object": (
        _json({"query": "{ __typename }", "variables": [1]}),
        JSON_TYPE,
        {400},
    ),
    "operationName not text": (
        _json({"query": "{ __typename }", "operationName": 5}),
        JSON_TYPE,
        {400},
    ),
    "a variable beyond Int's range": (
        b'{"query": "query($n: Int) { applications(first: $n) { edges { cursor } } }",'
        b' "variables": {"n": 1' + b"0" * 40 + b"}}",
        JSON_TYPE,
        {200},
    ),
    "deeply nested JSON": (
        b'{"query": "{ __typename }", "variables": {"v": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}}",
        JSON_TYPE,
        {400},
    ),
    "plain text": (b"{ __typename }", "text/plain", {415}),
    "application/graphql": (b"{ __typename }", "application/graphql", {415}),
    "form": (b"query=%7B__typename%7D", "application/x-www-form-urlencoded", {415}),
    "multipart": (b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x", {415}),
    "no content type": (_json({"query": "{ __typename }"}), None, {415}),
    "a body over the limit": (b'{"query": "' + b" " * OVER_LIMIT + b'"}', JSON_TYPE, {413}),
    "deeply nested selections": (
        _json({"query": "{" + " a {" * NEST + " b" + " }" * NEST + " }"}),
        JSON_TYPE,
        {200},
    ),
    "deeply nested list literal": (
        _json(
            {
                "query": "{ applications(first: "
                + "[" * NEST
                + "]" * NEST
                + ") { edges { cursor } } }"
            }
        ),
        JSON_TYPE,
        {200},
    ),
    "thousands of aliases": (
        _json({"query": "{ " + " ".join(f"a{i}: __typename" for i in range(3_000)) + " }"}),
        JSON_TYPE,
        {200},
    ),
    "aliases under the token limit": (
        _json({"query": "{ " + " ".join(f"a{i}: __typename" for i in range(1_500)) + " }"}),
        JSON_TYPE,
        {200},
    ),
    "a fragment cycle": (
        _json(
            {"query": "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"}
        ),
        JSON_TYPE,
        {200},
    ),
    "a fragment bomb": (_json({"query": fragment_bomb(40)}), JSON_TYPE, {200}),
    "a thousand operations": (
        _json(
            {
                "query": " ".join(f"query Q{i} {{ __typename }}" for i in range(1_000)),
                "operationName": "Q999",
            }
        ),
        JSON_TYPE,
        {200},
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_body_gets_a_clean_client_error_quickly(shared_server: Any, name: str) -> None:
    body, content_type, allowed = HOSTILE[name]
    headers = shared_server.bearer(Role.OFFICER, "officer-fuzz")
    if content_type is not None:
        headers["content-type"] = content_type
    response = httpx.post(
        shared_server.graphql_url, content=body, headers=headers, timeout=CLIENT_TIMEOUT
    )
    assert response.status_code in allowed, response.text[:1000]
    assert MASKED_MESSAGE not in response.text
    answer = response.json()
    if response.status_code == 200 and name != "a thousand operations":
        assert answer.get("errors"), answer  # refused as a GraphQL error, with its reason


def test_a_body_over_the_limit_without_a_declared_length_is_refused(shared_server: Any) -> None:
    """Sent in chunks (no content-length): counted as it arrives, refused past the limit."""
    headers = shared_server.bearer(Role.OFFICER, "officer-fuzz")
    headers["content-type"] = JSON_TYPE
    response = httpx.post(
        shared_server.graphql_url,
        content=_chunks(OVER_LIMIT),
        headers=headers,
        timeout=CLIENT_TIMEOUT,
    )
    assert response.status_code == 413


def test_huge_variables_under_the_body_limit_are_refused_by_field(shared_server: Any) -> None:
    submission = submission_input()
    submission["applicant"]["fullName"] = "A" * (Limits().max_body_bytes - 10_000)
    sent = {**submission, "idempotencyKey": "fuzz-huge", "occurredOn": "2023-04-20"}
    response = httpx.post(
        shared_server.graphql_url,
        json={"query": SUBMIT_NAME, "variables": {"i": sent}},
        headers=shared_server.bearer(Role.OFFICER, "officer-fuzz"),
        timeout=CLIENT_TIMEOUT,
    )
    answer = response.json()["data"]["submitApplication"]
    assert answer == {
        "__typename": "InvalidInput",
        "fieldErrors": [{"field": "applicant.fullName", "rule": "max_length"}],
    }


# -- generated variables: every command, plausible and hostile values, through the API -----

WEAK_ENGLISH = b.submission(background=b.background(certificates=(b.ielts("5.5"),)))
COMMAND_ROLES = {"award": Role.COMMISSION, "refuse": Role.COMMISSION}


def _commands() -> st.SearchStrategy[Any]:
    ids = [UUID(i) for i in CASE_IDS]
    return st.one_of(
        st.sampled_from(tuple(BY_TYPE)).flatmap(lambda cls: command_of(cls, ids)),
        one_field_changed(WEAK_ENGLISH, []),
    )


@FUZZ
@given(
    command=st.deferred(_commands),
    context=st.fixed_dictionaries(
        {
            "idempotencyKey": st.text(min_size=1, max_size=12),
            "occurredOn": dates.map(date.isoformat),
            "reason": st.just("") | texts,
        }
    ),
)
def test_generated_variables_of_every_command_never_fail_inside(
    api: Api, reader: Any, command: Any, context: dict[str, Any]
) -> None:
    name = camel(spec_for(command).name)
    kind = name[0].upper() + name[1:]
    role = Role.EXPERT if name == "evaluateInterview" else COMMAND_ROLES.get(name, Role.OFFICER)
    done = "SheetRecorded" if role is Role.EXPERT else "CaseUpdated"
    document = (
        f"mutation M($input: {kind}Input!) {{ {name}(input: $input) {{ __typename"
        f" ... on {done} {{ replayed }} }} }}"
    )
    variables = {"input": {**graphql_input(command), **context}}
    check_answer(api, reader, document, role, variables)
