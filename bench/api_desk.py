"""The campaign simulator's desk on a server's GraphQL API (``infra/simulation/desk.py``):
the simulated people's commands as the mutations the registry makes of them, each sent by
the user the person is, and what they read of a case from the answers and queries.

Each simulated person is a user of the directory with a token of their own (the officers,
the NEC members, the commission's members, by the actor names the simulator gives them);
the API has no applicant's or system's role, so the eGov gateway's submissions and the
deadline job's revocations are sent by users of their names holding an officer's role.
Every worker thread keeps one keep-alive connection. A command's answer carries the case's
stage and dates, the documents still missing and the language route, as the in-process
desk reads them from the case; a place left is read from ``quotas`` (its ledger).

The ``write_concurrent_api`` line sends a recorded campaign instead (its commands decided
before the clock starts, ``bench/campaign_scripts.py``): ``mutation_of`` makes each command
its request beforehand, and ``carry_out`` sends it and reads only the case's version.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NoReturn
from uuid import UUID

import orjson
from tenacity import (
    RetryCallState,
    retry,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    stop_after_delay,
    wait_fixed,
)

from api.auth import TokenKeys
from bench.api_speed import SECRET
from domain import commands as c
from domain.case.events import CourseRoute
from domain.case.meta import CommandContext, Role
from domain.case.stage import Stage
from domain.errors import TransitionRefusedError
from domain.programme import Category, Programme
from domain.registry import command_name
from domain.submission import Document
from infra.container import register_users
from infra.inputs import camel
from infra.settings import Settings
from infra.simulation.desk import CaseFacts
from infra.users import API_ROLES
from tests.support.authz import document, graphql_input
from tests.support.graphql_client import (
    auth_headers,
    http_request,
    retryable,
    split_url,
    status_and_length,
)

CASE_FACTS = (
    "... on CaseUpdated { application { id stage version campaignYear intakeWindow"
    " programme category contractDeadline awardedOn missingDocuments courseRoute } }"
)
SHEET_FACTS = "... on SheetRecorded { applicationId version }"
REFUSED = (
    "... on ProcessRefused { message command stage rule } ... on InvalidInput { message }"
    " ... on NotFound { message } ... on NotAllowed { message } ... on Conflict { message }"
)
QUOTAS = (
    "query Q($year: Int!) { quotas(year: $year) { total { available }"
    " categories { category counts { available } } } }"
)
TRIVIAL = "{ __typename }"
PATIENCE_SECONDS = 60.0  # for an answer other than "busy, retry"
BUSY_PAUSE_SECONDS = 0.05  # before sending a request the server answered "busy" again


def _stayed_busy(_state: RetryCallState) -> NoReturn:
    raise TimeoutError(f"the server stayed busy for {PATIENCE_SECONDS:g}s")


class ClosedByServerError(ConnectionError):
    """The server closed the connection before it answered (or while the request was
    sent): the request is sent again on a new one."""


@dataclass(frozen=True)
class Mutation:
    """A command as the API takes it: the mutation's name, the sender's headers (their
    token), the request's body."""

    name: str
    headers: dict[str, str]
    body: bytes


class ApiDesk:
    """Sends each command to ``url`` as its mutation; ``settings`` is the server's store,
    where each simulated person is registered as a user before their first command."""

    def __init__(self, url: str, settings: Settings) -> None:
        self.host, self.port, self.target = split_url(url)
        self.settings = settings
        self.keys = TokenKeys(SECRET)
        self._facts: dict[UUID, CaseFacts] = {}
        # each case's missing documents and language route, from its last CaseUpdated answer
        self._package: dict[UUID, tuple[tuple[Document, ...], CourseRoute | None]] = {}
        self._tokens: dict[str, str] = {}
        self._users = threading.Lock()
        self._local = threading.local()
        self._connections: list[_Wire] = []

    # -- the desk ---------------------------------------------------------------------------

    def send(self, command: c.Command, ctx: CommandContext) -> UUID:
        mutation = self.mutation_of(command, ctx)
        answer = self._outcome(mutation)
        if answer["__typename"] == "SheetRecorded":
            case_id = UUID(answer["applicationId"])
            self._facts[case_id] = replace(self._facts[case_id], version=answer["version"])
            return case_id
        application = answer["application"]
        case_id, facts = facts_of(application)
        self._facts[case_id] = facts
        route = application["courseRoute"]
        self._package[case_id] = (
            tuple(Document[d] for d in application["missingDocuments"]),
            CourseRoute[route] if route is not None else None,
        )
        return case_id

    def mutation_of(self, command: c.Command, ctx: CommandContext) -> Mutation:
        """The command as its mutation, sent by the user the context names (registered in
        the directory now, if new): what ``carry_out`` sends."""
        expert = ctx.role is Role.EXPERT
        name = camel(command_name(type(command)))
        sent = graphql_input(command) | {
            "idempotencyKey": ctx.idempotency_key,
            "occurredOn": ctx.occurred_on.isoformat(),
        }
        if ctx.reason:
            sent["reason"] = ctx.reason
        query = document(name, f"{SHEET_FACTS if expert else CASE_FACTS} {REFUSED}")
        body = orjson.dumps({"query": query, "variables": {"input": sent}})
        return Mutation(name, auth_headers(self._token(ctx)), body)

    def carry_out(self, mutation: Mutation) -> int:
        """Sends a mutation made before (``mutation_of``); the case's version after it."""
        answer = self._outcome(mutation)
        if answer["__typename"] == "SheetRecorded":
            return int(answer["version"])
        return int(answer["application"]["version"])

    def _outcome(self, mutation: Mutation) -> dict[str, Any]:
        """The mutation's answer: the case updated or the sheet recorded (a rule's refusal
        raised as the domain's ``TransitionRefusedError``, anything else as an error)."""
        answer: dict[str, Any] = self._data(mutation.headers, mutation.body)[mutation.name]
        kind = answer["__typename"]
        if kind == "ProcessRefused":
            raise TransitionRefusedError(
                answer["command"], answer["stage"], answer["rule"], answer["message"]
            )
        if kind not in ("SheetRecorded", "CaseUpdated"):
            raise RuntimeError(f"{mutation.name} answered {kind}: {answer.get('message')}")
        return answer

    def case(self, application_id: UUID) -> CaseFacts:
        return self._facts[application_id]

    def missing_documents(self, application_id: UUID) -> tuple[Document, ...]:
        return self._package[application_id][0]

    def course_route(self, application_id: UUID) -> CourseRoute | None:
        return self._package[application_id][1]

    def place_left(self, year: int, category: str) -> bool:
        quotas = self._read(QUOTAS, {"year": year})["quotas"]
        if quotas is None:
            return True
        bounds = [quotas["total"]] + [
            q["counts"] for q in quotas["categories"] if q["category"] == category
        ]
        return all(b["available"] is None or b["available"] > 0 for b in bounds)

    def trivial(self) -> None:
        """The least request the API answers (``{ __typename }``, an officer's), on this
        thread's connection: what any mutation costs before its own work."""
        self._post(self._token_of("officer-reader", Role.OFFICER), TRIVIAL, {})

    def close(self) -> None:
        for connection in self._connections:
            connection.close()

    # -- the wire ---------------------------------------------------------------------------

    def _read(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        return self._post(self._token_of("officer-reader", Role.OFFICER), query, variables)

    def _token(self, ctx: CommandContext) -> str:
        role = ctx.role if ctx.role in API_ROLES else Role.OFFICER
        return self._token_of(ctx.actor_id, role)

    def _token_of(self, user: str, role: Role) -> str:
        token = self._tokens.get(user)
        if token is None:
            with self._users:
                if user not in self._tokens:
                    register_users(self.settings, {user: role})
                    self._tokens[user] = self.keys.mint(user, role)
                token = self._tokens[user]
        return token

    def _post(self, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        body = orjson.dumps({"query": query, "variables": variables})
        return self._data(auth_headers(token), body)

    def _data(self, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        """The answer's data; a busy server's answer (503, or retryable) is waited out."""
        status, answer = self._answered(headers, body)
        found = orjson.loads(answer)
        if status != 200 or found.get("errors"):
            raise RuntimeError(f"{status}: {answer[:300]!r}")
        data: dict[str, Any] = found["data"]
        return data

    @retry(
        retry=retry_if_result(lambda answered: retryable(*answered)),
        wait=wait_fixed(BUSY_PAUSE_SECONDS),
        stop=stop_after_delay(PATIENCE_SECONDS),
        retry_error_callback=_stayed_busy,
    )
    def _answered(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        """The server's answer other than "busy, retry" (sent again after a pause while
        it says so, for ``PATIENCE_SECONDS`` at most)."""
        return self._exchange(headers, body)

    @retry(
        retry=retry_if_exception_type(ClosedByServerError), stop=stop_after_attempt(2), reraise=True
    )
    def _exchange(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        """One request on this thread's keep-alive connection (``_Wire``), opened again
        and the request sent again when the server closed it before answering (each
        command carries its idempotency key: a resend is a retry, not a second command)."""
        wire = self._wire()
        try:
            return wire.exchange(self.target, headers, body)
        except ConnectionError as e:
            wire.close()
            self._local.wire = None
            raise ClosedByServerError(str(e)) from e

    def _wire(self) -> _Wire:
        """This thread's connection, opened at its first request."""
        wire: _Wire | None = getattr(self._local, "wire", None)
        if wire is None:
            wire = _Wire(self.host, self.port)
            self._local.wire = wire
            self._connections.append(wire)
        return wire


class _Wire:
    """A keep-alive HTTP/1.1 connection on a blocking socket: the request written in one
    send, the answer read by its ``content-length``. The benchmark's clients share the
    server's two cores, and ``http.client`` (its header parsing through ``email``) spent
    more of them per request than this."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.socket = socket.create_connection((host, port))
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def exchange(self, target: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        self.socket.sendall(http_request(self.host, "POST", target, headers, body))
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._receive()
        status, length = status_and_length(self.buffer[:end])
        start = end + 4
        while len(self.buffer) < start + length:
            self._receive()
        answer = self.buffer[start : start + length]
        self.buffer = self.buffer[start + length :]
        return status, answer

    def _receive(self) -> None:
        data = self.socket.recv(65536)
        if not data:
            raise ConnectionResetError("the server closed the connection")
        self.buffer += data

    def close(self) -> None:
        self.socket.close()


def facts_of(application: dict[str, Any]) -> tuple[UUID, CaseFacts]:
    """The case's id and facts from a ``CaseUpdated`` answer (enums by member name)."""
    deadline, awarded = application["contractDeadline"], application["awardedOn"]
    return UUID(application["id"]), CaseFacts(
        stage=Stage[application["stage"]],
        version=application["version"],
        campaign_year=application["campaignYear"],
        intake_window=application["intakeWindow"],
        programme=Programme[application["programme"]].value,
        category=Category[application["category"]].value,
        contract_deadline=date.fromisoformat(deadline) if deadline else None,
        awarded_on=date.fromisoformat(awarded) if awarded else None,
    )
