"""Who may do what through the API, and what the NEC experts can never see.

``MATRIX`` is the policy as a reader should see it: every operation of both schemas
(``api/schema.graphql``, ``api/schema.expert.graphql``) against every role a token can
carry. The tests check it cell by cell against the running application, on SQLite and on
PostgreSQL, and fail when an operation of either SDL file has no row. Then: requests
without a usable token get 401 and nothing else, and an expert cannot reach an applicant's
personal data by any query, mutation, error, introspection or transport.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from graphql import get_introspection_query

from api.schema import EXPERT_SDL_FILE, SDL_FILE
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.errors import ApplicationNotFoundError
from domain.permissions import ALLOWED_ROLES
from domain.registry import REGISTRY
from domain.service import application_id_for
from domain.submission import ApplicantIdentity
from infra import users
from infra.case_store import CaseService
from infra.container import build_service, register_users, view_database
from infra.database import init_schema
from infra.inputs import camel
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support import builders as b
from tests.support.api import SECRET, Api, api_for
from tests.support.authz import (
    OMIT,
    PREREQUISITES,
    as_text,
    command_input,
    every_name,
    forged_token,
    leaks,
    needles,
    new_key,
    operations,
    prepare,
)
from tests.support.journey import SCORES, Journey
from tests.support.read_models import catch_up


class Expect(Enum):
    DATA = "answers with data"
    DONE = "carried out"
    DENIED = "NotAllowed"
    ABSENT = "not in the role's schema (fails validation)"
    SOCKET = "in the role's schema; served over the websocket"


DATA, DONE, DENIED, ABSENT, SOCKET = (
    Expect.DATA,
    Expect.DONE,
    Expect.DENIED,
    Expect.ABSENT,
    Expect.SOCKET,
)
ROLES = (Role.OFFICER, Role.EXPERT, Role.COMMISSION, Role.AUDITOR, Role.ADMIN)
OFFICE_ROLES = tuple(r for r in ROLES if r is not Role.EXPERT)

# fmt: off
MATRIX: dict[str, tuple[Expect, Expect, Expect, Expect, Expect]] = {
    # operation                           officer  expert  commission auditor  admin
    "Query.interviewQueue":              (DATA,   DATA,   DATA,   DATA,   DATA),
    "Query.rulesets":                    (DATA,   DATA,   DATA,   DATA,   DATA),
    "Query.ruleset":                     (DATA,   DATA,   DATA,   DATA,   DATA),
    "Query.application":                 (DATA,   ABSENT, DATA,   DATA,   DATA),
    "Query.applications":                (DATA,   ABSENT, DATA,   DATA,   DATA),
    "Query.dashboard":                   (DATA,   ABSENT, DATA,   DATA,   DATA),
    "Query.deadlines":                   (DATA,   ABSENT, DATA,   DATA,   DATA),
    "Query.officerWorklist":             (DATA,   ABSENT, DATA,   DATA,   DATA),
    "Query.auditTrail":                  (DATA,   ABSENT, DATA,   DATA,   DATA),
    "Query.caseHistory":                 (DATA,   ABSENT, DATA,   DATA,   DATA),
    "Query.auditExport":                 (DATA,   ABSENT, DATA,   DATA,   DATA),
    "Query.quotas":                      (DATA,   ABSENT, DATA,   DATA,   DATA),
    "Query.quotaHistory":                (DATA,   ABSENT, DATA,   DATA,   DATA),
    "Query.projectionStatus":            (DATA,   ABSENT, DATA,   DATA,   DATA),
    "Query.systemStatus":                (DENIED, ABSENT, DENIED, DENIED, DATA),
    "Query.intakeDeadLetters":           (DATA,   ABSENT, DENIED, DENIED, DATA),
    "Mutation.submitApplication":        (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.assessEligibility":        (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.recordTesting":            (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.annulTesting":             (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.bookInterview":            (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.evaluateInterview":        (DENIED, DONE,   DENIED, DENIED, DENIED),
    "Mutation.completeInterview":        (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.annulInterview":           (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.award":                    (DENIED, ABSENT, DONE,   DENIED, DENIED),
    "Mutation.awardBeyondPlaces":        (DENIED, ABSENT, DONE,   DENIED, DENIED),
    "Mutation.refuse":                   (DENIED, ABSENT, DONE,   DENIED, DENIED),
    "Mutation.signContracts":            (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.revoke":                   (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.withdraw":                 (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.assignLanguageCourse":     (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.recordDeparture":          (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.recordStudiesCompleted":   (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.recordReturn":             (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.startWorkOff":             (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.completeWorkOff":          (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.erasePersonalData":        (DENIED, ABSENT, DENIED, DENIED, DONE),
    "Mutation.reassessEligibility":      (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.presentDocuments":         (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.decideReview":             (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.recordWinnersListPublished": (DONE, ABSENT, DENIED, DENIED, DONE),
    "Mutation.reassignLanguageCourse":   (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Mutation.recordControlTest":        (DONE,   ABSENT, DENIED, DENIED, DONE),
    "Subscription.caseEvents":           (SOCKET, ABSENT, SOCKET, SOCKET, SOCKET),
    "Subscription.dashboardUpdates":     (SOCKET, ABSENT, SOCKET, SOCKET, SOCKET),
}
# fmt: on

# One request per query and subscription field (``$id``: a case at stage AWARDED).
DOCUMENTS: dict[str, str] = {
    "Query.interviewQueue": "query Q { interviewQueue(first: 50) { edges { cursor node {"
    " applicationId applicantCode slotAt sheets } } pageInfo { hasNextPage endCursor } } }",
    "Query.rulesets": "query Q { rulesets { id kind title } }",
    "Query.ruleset": 'query Q { ruleset(id: "interview-sheet-2017") { id kind title } }',
    "Query.application": "query Q($id: ID!) { application(id: $id) {"
    " id stage applicant { fullName } } }",
    "Query.applications": "query Q { applications(first: 5) { edges { node {"
    " id applicantCode } } } }",
    "Query.dashboard": "query Q { dashboard(year: 2023) { campaignYear funnel { key count } } }",
    "Query.deadlines": "query Q { deadlines { edges { node { applicationId kind dueOn } } } }",
    "Query.officerWorklist": "query Q { officerWorklist { edges { node {"
    " applicationId item reason missingDocuments } } } }",
    "Query.auditTrail": "query Q { auditTrail(first: 5) { edges { node {"
    " position eventType actorRole } } } }",
    "Query.caseHistory": "query Q($id: ID!) { caseHistory(applicationId: $id) {"
    " asOfVersion events { type actorRole } } }",
    "Query.auditExport": "query Q($id: ID!) { auditExport(applicationId: $id) }",
    "Query.quotas": "query Q { quotas(year: 2023) { campaignYear total { places used } } }",
    "Query.quotaHistory": "query Q { quotaHistory(year: 2023) { asOfVersion"
    " events { type actorRole } } }",
    "Query.projectionStatus": "query Q { projectionStatus { name lag } }",
    "Query.systemStatus": "query Q { systemStatus { __typename ... on SystemStatus { logHead }"
    " ... on NotAllowed { command role } } }",
    "Query.intakeDeadLetters": "query Q { intakeDeadLetters { __typename"
    " ... on IntakeDeadLetters { total } ... on NotAllowed { command role } } }",
    "Subscription.caseEvents": "subscription S($id: ID!) { caseEvents(applicationId: $id) {"
    " type version } }",
    "Subscription.dashboardUpdates": "subscription S { dashboardUpdates(year: 2023) {"
    " campaignYear } }",
}
SOCKET_MESSAGE = "subscriptions run over the graphql-transport-ws websocket"
WS_PROTOCOL = ["graphql-transport-ws"]


def row_of(operation: str) -> dict[Role, Expect]:
    return dict(zip(ROLES, MATRIX[operation], strict=True))


def mutation_document(name: str, *, expert: bool) -> str:
    done = (
        "... on SheetRecorded { version replayed }"
        if expert
        else "... on CaseUpdated { version replayed application { stage } }"
    )
    return (
        f"mutation M($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $input) {{"
        f" __typename {done} ... on NotAllowed {{ command role }}"
        " ... on ProcessRefused { message } ... on InvalidInput { message }"
        " ... on NotFound { message } ... on Conflict { message } } }"
    )


def observed(response: Any, operation: str, role: Role) -> str:
    """What the API did, in the matrix's words (anything else described as it came)."""
    root, name = operation.split(".")
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    body = response.json()
    messages = [str(e.get("message")) for e in body.get("errors") or []]
    absent = (
        f"Cannot query field '{name}' on type '{root}'.",
        f"The {root.lower()} operation is not supported by the schema.",  # no such root type
    )
    if "data" not in body and any(m.startswith(absent) for m in messages):
        return ABSENT.value
    if messages:
        return SOCKET.value if messages == [SOCKET_MESSAGE] else f"errors {messages}"
    value = body["data"][name]
    if root == "Query" and isinstance(value, dict) and value.get("__typename") == "NotAllowed":
        return DENIED.value if value["role"] == role.value else f"NotAllowed {value}"
    if root == "Query":
        filled = value.get("edges", True) if isinstance(value, dict) else value
        return DATA.value if filled else f"no data: {value!r}"
    kind = value["__typename"]
    if kind in ("CaseUpdated", "SheetRecorded") and value["replayed"] is False:
        return DONE.value
    if kind == "NotAllowed" and value["role"] == role.value:
        return DENIED.value
    return f"{kind} {value}"


def version_of(service: CaseService, case_id: UUID | None, idempotency_key: str) -> int:
    """The case's version, 0 when it does not exist (a submission's id comes from its key)."""
    try:
        return service.get_case(case_id or application_id_for(idempotency_key)).version
    except ApplicationNotFoundError:
        return 0


@pytest.fixture
def sqlite_service(sqlite_settings: Settings) -> Iterator[CaseService]:
    """The command service on the test's SQLite store, the one the API reads."""
    with closing(build_service(sqlite_settings, clock=FixedClock(FAR_FUTURE))) as found:
        yield found


# -- the matrix ------------------------------------------------------------------------------


def test_the_matrix_has_a_row_for_every_operation() -> None:
    office, expert = operations(SDL_FILE), operations(EXPERT_SDL_FILE)
    assert set(MATRIX) == office | expert, "add a row to MATRIX for each new operation"
    for operation in MATRIX:
        row = row_of(operation)
        assert (row[Role.EXPERT] is not ABSENT) == (operation in expert), operation
        for role in OFFICE_ROLES:
            assert (row[role] is not ABSENT) == (operation in office), (operation, role)
        kinds = {e for e in row.values() if e is not ABSENT}
        allowed = {
            "Query": {DATA, DENIED},  # DENIED: the admins' systemStatus, intakeDeadLetters
            "Mutation": {DONE, DENIED},
            "Subscription": {SOCKET},
        }[operation.split(".")[0]]
        assert kinds <= allowed, operation
    assert {op for op in MATRIX if not op.startswith("Mutation.")} == set(DOCUMENTS)
    assert {f"Mutation.{name}" for name in PREREQUISITES} == {
        op for op in MATRIX if op.startswith("Mutation.")
    }


def test_the_matrix_is_the_permission_table() -> None:
    """A role may carry out a mutation exactly when ``ALLOWED_ROLES`` names it."""
    commands = {camel(spec.name): spec.name for spec in REGISTRY}
    assert set(commands.values()) == set(ALLOWED_ROLES)
    for name, command in commands.items():
        for role, expected in row_of(f"Mutation.{name}").items():
            assert (expected is DONE) == (role in ALLOWED_ROLES[command]), (name, role)


def test_every_operation_for_every_role_is_as_the_matrix_says(store_settings: Settings) -> None:
    with closing(build_service(store_settings, clock=FixedClock(FAR_FUTURE))) as service:
        ready = {
            op: {
                role: prepare(service, PREREQUISITES[op.split(".")[1]])
                for role, expected in row_of(op).items()
                if expected is DONE
            }
            for op in MATRIX
            if op.startswith("Mutation.")
        }
        looked_up = str(Journey(service).to(Stage.AWARDED))
        catch_up(store_settings)
        mismatches: list[str] = []
        with api_for(store_settings, clock_day=FAR_FUTURE) as api:
            for operation, expected_row in MATRIX.items():
                if operation in DOCUMENTS:
                    for role, expected in zip(ROLES, expected_row, strict=True):
                        response = api.post(DOCUMENTS[operation], {"id": looked_up}, role=role)
                        got = observed(response, operation, role)
                        if got != expected.value:
                            mismatches.append(f"{operation} as {role.value}: {got}")
                else:
                    mismatches += _check_mutation(api, service, operation, ready[operation])
    assert not mismatches, "not as the matrix says:\n" + "\n".join(mismatches)


def _check_mutation(
    api: Api, service: CaseService, operation: str, ready: dict[Role, UUID | None]
) -> list[str]:
    """Roles refused first, on a case where the command could be carried out (nothing may
    be stored), then each allowed role on a case of its own."""
    name = operation.split(".")[1]
    needs = PREREQUISITES[name]
    tried = next(iter(ready.values()))
    mismatches = []
    for role, expected in sorted(row_of(operation).items(), key=lambda r: r[1] is DONE):
        case_id = ready.get(role, tried)
        key = new_key(name)
        before = version_of(service, case_id, key)
        response = api.post(
            mutation_document(name, expert=role is Role.EXPERT),
            {"input": command_input(needs, case_id, key)},
            role=role,
        )
        got = observed(response, operation, role)
        after = version_of(service, case_id, key)
        if got != expected.value:
            mismatches.append(f"{operation} as {role.value}: {got}")
        elif (after > before) != (expected is DONE):
            mismatches.append(f"{operation} as {role.value}: version {before} -> {after}")
    return mismatches


# -- no usable token -------------------------------------------------------------------------

SUBMIT = "mutation M($input: SubmitApplicationInput!) { submitApplication(input: $input) {"
SUBMIT += " __typename } }"
OTHER_SECRET = "another-secret-" + "y" * 40


RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
DISABLED_USER = "officer-disabled"


def unusable_credentials() -> dict[str, tuple[str | None, str]]:
    """Authorization headers that must not let anyone in (None: no header at all), each
    with what the 401's message must say."""
    hour_ago = int(time.time()) - 3600
    tokens = {
        "signed by another key": (forged_token(secret=OTHER_SECRET), "InvalidSignatureError"),
        "unsigned (alg none)": (forged_token(algorithm="none"), "InvalidAlgorithmError"),
        "right key, another algorithm (HS512)": (
            forged_token(algorithm="HS512"),
            "InvalidAlgorithmError",
        ),
        "asymmetric (RS256)": (
            forged_token(secret=RSA_KEY, algorithm="RS256"),
            "InvalidAlgorithmError",
        ),
        "RS256 header over an HS256 signature (algorithm confusion)": (
            relabelled(forged_token(), "RS256"),
            "InvalidAlgorithmError",
        ),
        "expired": (forged_token(iat=hour_ago - 3600, exp=hour_ago), "expired"),
        "not valid yet": (forged_token(nbf=hour_ago + 7200), "ImmatureSignatureError"),
        "no expiry": (forged_token(exp=OMIT), "no 'exp' claim"),
        "unknown role": (forged_token(role="superuser"), "unknown role"),
        "role not a string": (forged_token(role=["admin"]), "unknown role"),
        "no role": (forged_token(role=OMIT), "no 'role' claim"),
        "applicant role (not an API role)": (forged_token(role="applicant"), "not an API role"),
        "system role (not an API role)": (forged_token(role="system"), "not an API role"),
        "another audience": (forged_token(aud="another-api"), "InvalidAudienceError"),
        "no audience": (forged_token(aud=OMIT), "no 'aud' claim"),
        "another issuer": (forged_token(iss="another-issuer"), "InvalidIssuerError"),
        "no issuer": (forged_token(iss=OMIT), "no 'iss' claim"),
        "blank user": (forged_token(sub=" "), "blank subject"),
        "no user": (forged_token(sub=OMIT), "no 'sub' claim"),
        "unknown user": (forged_token(sub="officer-never-registered"), "unknown user"),
        "a role the user does not hold": (forged_token(sub="expert-1"), "missing role"),
        "disabled user": (forged_token(sub=DISABLED_USER), "disabled"),
    }
    return {
        "no token": (None, "a bearer token is required"),
        "not a bearer token": ("Basic b2ZmaWNlcjpzZWNyZXQ=", "must be 'Bearer <token>'"),
        "empty bearer token": ("Bearer ", "must be 'Bearer <token>'"),
        "not a JWT": ("Bearer not.a.jwt", "DecodeError"),
        **{kind: (f"Bearer {token}", reason) for kind, (token, reason) in tokens.items()},
    }


def relabelled(token: str, algorithm: str) -> str:
    """The token with its header's ``alg`` changed, and signed again with HMAC-SHA256 by
    the server's own secret (an attacker's hope: a verifier that trusts the header)."""
    header = base64.urlsafe_b64encode(orjson.dumps({"alg": algorithm, "typ": "JWT"}))
    signed = header.rstrip(b"=").decode() + "." + token.split(".")[1]
    mac = hmac.new(SECRET.encode(), signed.encode(), hashlib.sha256).digest()
    return signed + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def test_a_forged_token_left_as_it_is_is_let_in(sqlite_settings: Settings) -> None:
    """The control of the next test: only the changed claim or key keeps a token out."""
    with api_for(sqlite_settings) as api:
        headers = {"authorization": f"Bearer {forged_token()}"}
        response = api.post(DOCUMENTS["Query.rulesets"], role=None, headers=headers)
    assert response.status_code == 200
    assert response.json()["data"]["rulesets"]


@pytest.fixture(scope="module")
def unauthenticated_api(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Api, CaseService]]:
    """One SQLite app for the unusable credentials: a case in the interview queue, and a
    user who was disabled."""
    folder = tmp_path_factory.mktemp("unauthenticated")
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": f"sqlite:///{folder}/cases.db"})
    init_schema(settings)
    with closing(build_service(settings, clock=FixedClock(FAR_FUTURE))) as service:
        Journey(service).to(Stage.INTERVIEW_BOOKED)
        catch_up(settings)
        register_users(settings, {DISABLED_USER: Role.OFFICER})
        with closing(view_database(settings)) as views:
            users.disable(views, DISABLED_USER)
        with api_for(settings, clock_day=FAR_FUTURE) as api:
            yield api, service


@pytest.mark.parametrize("kind", list(unusable_credentials()))
def test_requests_without_a_usable_token_get_401_saying_why_and_nothing_else(
    kind: str, unauthenticated_api: tuple[Api, CaseService]
) -> None:
    api, service = unauthenticated_api
    header, reason = unusable_credentials()[kind]
    headers = {} if header is None else {"authorization": header}
    key = new_key("unauthenticated")
    needs = PREREQUISITES["submitApplication"]
    answers = {
        "query": api.post(DOCUMENTS["Query.interviewQueue"], role=None, headers=headers),
        "mutation": api.post(
            SUBMIT, {"input": command_input(needs, None, key)}, role=None, headers=headers
        ),
        "GET query": api.client.get(
            "/graphql", params={"query": DOCUMENTS["Query.rulesets"]}, headers=headers
        ),
    }
    problems = []
    for how, response in answers.items():
        body = response.json()
        messages = [str(e.get("message")) for e in body.get("errors") or []]
        if (
            response.status_code != 401
            or "data" in body
            or len(messages) != 1
            or reason not in messages[0]
            or not response.headers.get("www-authenticate", "").startswith("Bearer")
        ):
            problems.append(f"{how}: {response.status_code} {response.text}")
        if SECRET in as_text(response):
            problems.append(f"{how}: the signing key is in the answer")
    if version_of(service, None, key):
        problems.append("the submission was stored")
    closed = _socket_answer(api, header)
    if closed != "closed 4403":
        problems.append(f"websocket: {closed}")
    assert not problems, f"{kind} (expected {reason!r}):\n" + "\n".join(problems)


def test_a_websocket_subscribe_without_connection_init_is_closed(sqlite_settings: Settings) -> None:
    with (
        api_for(sqlite_settings) as api,
        api.client.websocket_connect("/graphql", subprotocols=WS_PROTOCOL) as ws,
    ):
        ws.send_json(_subscribe("1", "Query.applications", {}))
        skipped_init = ws.receive()
    assert skipped_init["type"] == "websocket.close"
    assert skipped_init["code"] == 4401


def test_a_token_that_expires_after_it_was_let_in_gets_401(sqlite_settings: Settings) -> None:
    """A token verified once is not let in after its expiry (whatever is remembered)."""
    expires = int(time.time()) + 2
    headers = {"authorization": f"Bearer {forged_token(exp=expires)}"}
    with api_for(sqlite_settings) as api:
        before = api.post(DOCUMENTS["Query.rulesets"], role=None, headers=headers)
        time.sleep(max(0.0, expires - time.time()) + 0.1)
        after = api.post(DOCUMENTS["Query.rulesets"], role=None, headers=headers)
    assert before.status_code == 200
    assert after.status_code == 401
    assert "data" not in after.json()


def _socket_answer(api: Api, header: str | None) -> str:
    """How the websocket answers a connection_init with this Authorization."""
    with api.client.websocket_connect("/graphql", subprotocols=WS_PROTOCOL) as ws:
        payload = {} if header is None else {"Authorization": header}
        ws.send_json({"type": "connection_init", "payload": payload})
        message = ws.receive()
        if message["type"] == "websocket.close":
            return f"closed {message['code']}"
        return f"{message}"


# -- subscriptions over the websocket --------------------------------------------------------


def test_subscriptions_over_the_websocket_as_the_matrix_says(
    sqlite_settings: Settings, sqlite_service: CaseService
) -> None:
    service = sqlite_service
    watched = {role: Journey(service).to(Stage.SUBMITTED) for role in OFFICE_ROLES}
    catch_up(sqlite_settings)
    seen: dict[tuple[str, Role], str] = {}
    with api_for(sqlite_settings, clock_day=FAR_FUTURE) as api:
        for role in ROLES:
            header = f"Bearer {api.token(role)}"
            if role is Role.EXPERT:
                for operation in ("Subscription.caseEvents", "Subscription.dashboardUpdates"):
                    closed = _socket_answer(api, header)
                    seen[operation, role] = ABSENT.value if closed == "closed 4403" else closed
                continue
            with api.client.websocket_connect("/graphql", subprotocols=WS_PROTOCOL) as ws:
                ws.send_json({"type": "connection_init", "payload": {"Authorization": header}})
                assert ws.receive_json()["type"] == "connection_ack"
                ws.send_json(_subscribe("1", "Subscription.dashboardUpdates", {}))
                board = ws.receive_json()
                seen["Subscription.dashboardUpdates", role] = (
                    SOCKET.value
                    if board["type"] == "next"
                    and board["payload"]["data"]["dashboardUpdates"]["campaignYear"] == 2023
                    else f"{board}"
                )
                case_id = str(watched[role])
                ws.send_json(_subscribe("2", "Subscription.caseEvents", {"id": case_id}))
                assess = command_input(
                    PREREQUISITES["assessEligibility"], watched[role], new_key("ws")
                )
                api.post(mutation_document("assessEligibility", expert=False), {"input": assess})
                message = ws.receive_json()
                while message.get("id") != "2":
                    message = ws.receive_json()
                seen["Subscription.caseEvents", role] = (
                    SOCKET.value
                    if message["type"] == "next"
                    and message["payload"]["data"]["caseEvents"]["type"] == "EligibilityAssessed"
                    else f"{message}"
                )
                ws.send_json({"id": "1", "type": "complete"})
                ws.send_json({"id": "2", "type": "complete"})
    expected = {
        (operation, role): want.value
        for operation in ("Subscription.caseEvents", "Subscription.dashboardUpdates")
        for role, want in row_of(operation).items()
    }
    assert seen == expected


def _subscribe(message_id: str, operation: str, variables: dict[str, str]) -> dict[str, Any]:
    return {
        "id": message_id,
        "type": "subscribe",
        "payload": {"query": DOCUMENTS[operation], "variables": variables},
    }


# -- no personal data for the experts --------------------------------------------------------

TARGET = b.applicant(
    full_name="Zhanbyrbayeva Qarlygash Tolqynqyzy",
    birth_date=date(1994, 2, 23),
    email="qarlygash.zhanbyr@example.kz",
    phone="+77079990211",
)
OTHERS: dict[Stage, ApplicantIdentity] = {
    stage: b.applicant(
        full_name=f"{surname} {given}",
        birth_date=date(1988 + i, i % 12 + 1, 11 + i),
        email=f"{given.lower()}.{surname.lower()}@example.kz",
        phone=f"+7705{4812930 + 7919 * i}",
    )
    for i, (stage, surname, given) in enumerate(
        [
            (Stage.SUBMITTED, "Oralkhanova", "Ainamkoz"),
            (Stage.ELIGIBLE, "Serikbolova", "Zhuldyzay"),
            (Stage.TESTED, "Tursynkhanov", "Bekzhasar"),
            (Stage.INTERVIEW_BOOKED, "Yerzhigitov", "Dauletkeldi"),
            (Stage.INTERVIEWED, "Baqytzhanova", "Mereyzhan"),
            (Stage.AWARDED, "Kenzhegaliyev", "Sanzharbek"),
            (Stage.CONTRACTED, "Nurzhaubayeva", "Tomirisay"),
            (Stage.WORKING_OFF, "Abylaikhanov", "Temirlanbek"),
        ]
    )
}
PEOPLE = [TARGET, *OTHERS.values()]
SHEET_DAY = "2023-05-20"
SHEET = """mutation E($input: EvaluateInterviewInput!) { evaluateInterview(input: $input) {
  __typename
  ... on SheetRecorded { applicationId applicantCode version replayed idempotencyKey }
  ... on InvalidInput { message fieldErrors { field rule message } }
  ... on ProcessRefused { message command stage rule }
  ... on NotFound { message applicationId }
  ... on NotAllowed { message command role }
  ... on Conflict { message kind }
} }"""
QUEUE = """query Q($first: Int!, $after: String, $on: Date) {
  interviewQueue(first: $first, after: $after, slotOn: $on) {
    edges { cursor node { applicationId applicantCode category programme specialty
      bachelorSpecialty country language institution gpa kaztest languageCertificates
      verbalScore numericalScore slotAt sheets } }
    pageInfo { hasNextPage endCursor }
  }
}"""
RULESETS = """query R($kind: RulesetKind) { rulesets(kind: $kind) { id kind title
  sources { seed section lines } effectiveFrom effectiveTo supersedes notes data } }"""
RULESET = """query R($id: ID!) { ruleset(id: $id) { id kind title
  sources { seed section lines } effectiveFrom effectiveTo supersedes notes data } }"""
OFFICE_ONLY: dict[str, str] = {
    "applications": "query Q { applications { edges { node { id applicant {"
    " fullName iin birthDate email phone } } } } }",
    "application": "query Q($id: ID!) { application(id: $id) { applicant {"
    " fullName iin birthDate email phone } } }",
    "caseHistory": "query Q($id: ID!) { caseHistory(applicationId: $id) {"
    " events { type data facts } state { applicant { fullName } } } }",
    "auditTrail": "query Q { auditTrail { edges { node { applicationId actorId reason } } } }",
    "auditExport": "query Q($id: ID!) { auditExport(applicationId: $id, personalData: true) }",
    "dashboard": "query Q { dashboard(year: 2023) { funnel { key count } } }",
    "deadlines": "query Q { deadlines { edges { node { applicationId applicantCode } } } }",
    "projectionStatus": "query Q { projectionStatus { name } }",
    "applicant on a candidate": "query Q { interviewQueue { edges { node {"
    " applicant { fullName } } } } }",
    "personal fields on a candidate": "query Q { interviewQueue { edges { node {"
    " fullName iin birthDate email phone } } } }",
    "fragment on Application": "query Q { interviewQueue { edges { node {"
    " ... on Application { applicant { fullName } } } } } }",
    "submitApplication": "mutation M($input: SubmitApplicationInput!) {"
    " submitApplication(input: $input) { __typename } }",
    "award": 'mutation M { award(input: {applicationId: "00000000-0000-0000-0000-000000000000",'
    ' protocolNumber: "1", protocolDate: "2023-06-10", idempotencyKey: "x"}) { __typename } }',
    "caseEvents subscription": "subscription S($id: ID!) { caseEvents(applicationId: $id) {"
    " data } }",
    "an allowed operation beside an office one": "query Queue { interviewQueue {"
    " edges { cursor } } } query Names { applications { edges { node {"
    " applicant { fullName } } } } }",
}
OFFICER_VIEW = """query Q { applications(first: 100) { edges { node {
  applicant { fullName iin birthDate email phone } } } } }"""


def _person_in_store(service: CaseService, person: ApplicantIdentity, stage: Stage) -> UUID:
    journey = Journey(service, b.submission(applicant=person))
    return journey.to(stage)


def test_the_expert_schema_has_no_field_for_personal_data() -> None:
    exact = {"applicant", "applicantidentity", "application", "name", "eventrecord"}
    parts = ("fullname", "iin", "birth", "email", "phone", "surname", "firstname", "lastname")

    def personal(names: set[str]) -> set[str]:
        return {n for n in names if n.lower() in exact or any(p in n.lower() for p in parts)}

    assert personal(every_name(EXPERT_SDL_FILE)) == set()
    # The control: the same search finds them in the office schema.
    assert {"fullName", "iin", "birthDate", "email", "phone", "applicant"} <= personal(
        every_name(SDL_FILE)
    )


def test_experts_see_no_personal_data_by_any_path(
    sqlite_settings: Settings, sqlite_service: CaseService
) -> None:
    service = sqlite_service
    journey = Journey(service, b.submission(applicant=TARGET))
    submit_key = new_key("target")
    journey.send(journey.submission, date(2023, 4, 20), Role.APPLICANT, "egov", submit_key)
    target = journey.to(Stage.INTERVIEW_BOOKED)
    cases = {stage: _person_in_store(service, p, stage) for stage, p in OTHERS.items()}
    code = service.get_case(target).applicant_code
    catch_up(sqlite_settings)

    asked: dict[str, Any] = {}
    with api_for(sqlite_settings, clock_day=FAR_FUTURE) as api:

        def ask(label: str, query: str, variables: dict[str, Any] | None = None) -> Any:
            asked[label] = api.post(query, variables, role=Role.EXPERT, user="nec-01")
            return asked[label].json()

        def sheet(label: str, user: str = "nec-01", **changes: Any) -> str:
            sent = {
                "applicationId": str(target),
                "scores": SCORES,
                "recommend": True,
                "comment": "clear motivation",
                "idempotencyKey": f"sheet-{user}",
                "occurredOn": SHEET_DAY,
                **changes,
            }
            asked[label] = api.post(SHEET, {"input": sent}, role=Role.EXPERT, user=user)
            body = asked[label].json()
            assert "errors" not in body, (label, body)
            kind: str = body["data"]["evaluateInterview"]["__typename"]
            return kind

        # What the expert schema offers, and the types it does not have.
        schema = ask("introspection", get_introspection_query(descriptions=True))["data"]
        names = {t["name"] for t in schema["__schema"]["types"]}
        assert not {"Applicant", "Application", "EventRecord", "CaseHistory"} & names
        for type_name in ("Applicant", "Application", "ApplicantIdentityInput", "EventRecord"):
            found = ask(f"__type {type_name}", f'{{ __type(name: "{type_name}") {{ name }} }}')
            assert found == {"data": {"__type": None}}

        # The interview queue, page by page, by day, and its error paths.
        codes, after = [], None
        while True:
            page = ask(f"queue after {after}", QUEUE, {"first": 1, "after": after})
            queue = page["data"]["interviewQueue"]
            codes += [e["node"]["applicantCode"] for e in queue["edges"]]
            if not queue["pageInfo"]["hasNextPage"]:
                break
            after = queue["pageInfo"]["endCursor"]
        assert code in codes
        assert ask("queue of the slot day", QUEUE, {"first": 50, "on": SHEET_DAY})["data"]
        wrong: dict[str, dict[str, Any]] = {
            "bad cursor": {"first": 5, "after": "not-a-cursor"},
            "page too small": {"first": 0},
            "page too large": {"first": 100_000},
        }
        for label, variables in wrong.items():
            body = ask(label, QUEUE, variables)
            assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", label
        # A cursor made up from the birth date: just a position in the queue.
        ask("made-up cursor", QUEUE, {"first": 5, "after": "WyIxOTk0LTAyLTIzIiwgMV0="})

        # The rulesets.
        assert ask("rulesets", RULESETS)["data"]["rulesets"]
        assert ask("rulesets of a kind", RULESETS, {"kind": "INTERVIEW_SHEET"})["data"]["rulesets"]
        refused = ask("rulesets of no kind", RULESETS, {"kind": "nope"})["errors"][0]["message"]
        assert "Allowed values:" in refused
        assert "INTERVIEW_SHEET" in refused
        assert ask("ruleset", RULESET, {"id": "interview-sheet-2017"})["data"]["ruleset"]
        assert ask("unknown ruleset", RULESET, {"id": "no-such-rule"})["data"]["ruleset"] is None

        # Evaluation sheets: recorded, replayed, and every refusal.
        booked_other = str(cases[Stage.INTERVIEW_BOOKED])
        assert sheet("sheet") == "SheetRecorded"
        assert sheet("sheet replayed") == "SheetRecorded"
        assert sheet("key reused", comment="another") == "Conflict"
        assert sheet("key of the submission", idempotencyKey=submit_key) == "Conflict"
        assert sheet("second sheet of a member", idempotencyKey="sheet-again") == "ProcessRefused"
        assert sheet("sheet of another member", user="nec-02") == "SheetRecorded"
        bad = {"professional_preparation": 9, "charm": 5}
        assert sheet("bad scores", user="nec-03", scores=bad) == "InvalidInput"
        assert sheet("scores not an object", user="nec-03", scores="five") == "InvalidInput"
        assert sheet("unknown case", applicationId=str(uuid4())) == "NotFound"
        assert sheet("not a case id", applicationId="not-a-uuid") == "InvalidInput"
        assert sheet("future date", user="nec-03", occurredOn="2035-01-01") == "InvalidInput"
        assert (
            sheet("before the interview", applicationId=booked_other, occurredOn="2023-05-10")
            == "ProcessRefused"
        )
        for stage, case_id in cases.items():  # outside the queue: as if no case (issue 19)
            if stage is not Stage.INTERVIEW_BOOKED:
                assert sheet(f"case {stage.value}", applicationId=str(case_id)) == "NotFound"
        body = ask("variables of the wrong type", SHEET, {"input": {"recommend": "yes"}})
        assert body.get("errors")
        assert "data" not in body

        # What only the office may ask: each fails validation and returns no data.
        for label, query in OFFICE_ONLY.items():
            body = ask(label, query, {"id": str(target)})
            assert "data" not in body, (label, body)
            assert body.get("errors"), (label, body)
        body = api.client.post(
            "/graphql",
            json={
                "query": OFFICE_ONLY["an allowed operation beside an office one"],
                "operationName": "Queue",
            },
            headers={"authorization": f"Bearer {api.token(Role.EXPERT)}"},
        )
        asked["operationName beside an office one"] = body
        assert "data" not in body.json()

        # Other ways in: GET, a batch, the websocket.
        auth = {"authorization": f"Bearer {api.token(Role.EXPERT)}"}
        asked["GET"] = api.client.get(
            "/graphql", params={"query": QUEUE, "variables": '{"first": 50}'}, headers=auth
        )
        assert asked["GET"].json()["data"]["interviewQueue"]["edges"]
        asked["batch"] = api.client.post("/graphql", json=[{"query": QUEUE}], headers=auth)
        assert asked["batch"].status_code == 400
        assert _socket_answer(api, auth["authorization"]) == "closed 4403"

        # The control: an officer's answer does show the personal data searched for.
        officer = as_text(api.post(OFFICER_VIEW, role=Role.OFFICER))

    for person in PEOPLE:
        shown = [person.full_name, person.iin, person.birth_date.isoformat()]
        shown += [person.email, person.phone]
        assert leaks(officer, shown) == sorted(shown), person

    searched = [n for person in PEOPLE for n in needles(person)]
    found = {label: leaks(as_text(r), searched) for label, r in asked.items()}
    assert {label: hits for label, hits in found.items() if hits} == {}
    assert len(asked) > 40
