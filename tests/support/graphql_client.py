"""A minimal GraphQL-over-HTTP/1.1 client on asyncio streams, and synthetic submissions for
it: the benchmarks' load (a general client such as httpx spends more CPU per request than the
server under test, on the same two cores) and the fault trials' clients, which resend the
same request, with the same idempotency key, until the server answers it."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, NoReturn

import orjson
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_delay,
    wait_fixed,
)

from domain.commands import SubmitApplication
from domain.rules.intake_windows import all_windows
from infra.simulation.people import synthetic_applicant
from infra.simulation.profiles import synthetic_background, synthetic_plan
from tests.support.authz import graphql_input

SUBMIT = (
    "mutation Submit($input: SubmitApplicationInput!) { submitApplication(input: $input)"
    " { __typename ... on CaseUpdated { version replayed } } }"
)
ASSESS = (
    "mutation Assess($input: AssessEligibilityInput!) { assessEligibility(input: $input)"
    " { __typename ... on CaseUpdated { version replayed } } }"
)
CLOSING_DAY = min(w.closes for w in all_windows() if w.campaign_year == 2023)


def split_url(url: str) -> tuple[str, int, str]:
    rest = url.removeprefix("http://")
    address, _, path = rest.partition("/")
    host, _, port = address.partition(":")
    return host, int(port), "/" + path


def request_bytes(
    host: str,
    target: str,
    query: str | None,
    headers: dict[str, str],
    variables: dict[str, Any] | None = None,
) -> bytes:
    if query is None:
        return http_request(host, "GET", target, headers, None)
    payload = {"query": query} | ({"variables": variables} if variables else {})
    return http_request(host, "POST", target, headers, orjson.dumps(payload))


def http_request(
    host: str, method: str, target: str, headers: dict[str, str], body: bytes | None
) -> bytes:
    """An HTTP/1.1 request as bytes, in one piece (a body with its length)."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def status_and_length(head: bytes) -> tuple[int, int]:
    """An answer's status and content-length, from its head (status line and headers)."""
    lines = head.split(b"\r\n")
    length = next(
        (int(x.split(b":", 1)[1]) for x in lines if x.lower().startswith(b"content-length:")), 0
    )
    return int(lines[0].split(b" ", 2)[1]), length


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status, length = status_and_length(await reader.readuntil(b"\r\n\r\n"))
    return status, await reader.readexactly(length)


def auth_headers(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "content-type": "application/json"}


def submission_inputs(count: int, run: str, first: int = 0) -> list[dict[str, Any]]:
    """``count`` different synthetic packages (numbered from ``first``), all filed on a
    window's closing day, with the idempotency keys ``{run}-{number}``."""
    found = []
    for i in range(first, first + count):
        rng = random.Random(i)
        plan = synthetic_plan(rng)
        package = SubmitApplication(synthetic_applicant(rng), plan, synthetic_background(rng, plan))
        found.append(
            graphql_input(package)
            | {"idempotencyKey": f"{run}-{i}", "occurredOn": CLOSING_DAY.isoformat()}
        )
    return found


@dataclass
class Answer:
    status: int
    body: bytes
    retries: int  # sent again after a dropped connection or a retryable error

    def json(self) -> Any:
        return orjson.loads(self.body)


RESEND_PAUSE_SECONDS = 0.1  # before a request is sent again


class _SendAgainError(Exception):
    """The request is to be sent again: its connection dropped, or its answer said retry."""


class PersistentClient:
    """One keep-alive connection; a request whose connection drops (or whose answer says
    retry) is sent again, unchanged, until it is answered or ``patience`` runs out. An
    answer that takes over ``answer_timeout`` seconds is a hang: ``TimeoutError``."""

    def __init__(
        self,
        url: str,
        headers: dict[str, str],
        patience: float = 60.0,
        answer_timeout: float = 30.0,
    ) -> None:
        self.host, self.port, self.target = split_url(url)
        self.headers = headers
        self.patience = patience
        self.answer_timeout = answer_timeout
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.dropped = 0  # connections lost mid-request
        self.retried: list[tuple[int, bytes]] = []  # answers that said "retry"

    async def send(self, query: str, variables: dict[str, Any]) -> Answer:
        request = request_bytes(self.host, self.target, query, self.headers, variables)

        def no_answer(_state: RetryCallState) -> NoReturn:
            raise TimeoutError(f"no answer within {self.patience:g}s to {query[:60]}")

        retrying = AsyncRetrying(
            retry=retry_if_exception_type(_SendAgainError),
            wait=wait_fixed(RESEND_PAUSE_SECONDS),
            stop=stop_after_delay(self.patience),
            retry_error_callback=no_answer,
        )
        async for attempt in retrying:
            with attempt:
                status, body = await self._exchange(request)
                return Answer(status, body, attempt.retry_state.attempt_number - 1)
        raise AssertionError("tenacity returns or raises")  # pragma: no cover

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        """One try: the answer, or ``_SendAgainError`` when the connection dropped or the
        answer says retry; ``TimeoutError`` when no answer came (a hang, not retried)."""
        try:
            reader, writer = await self._connection()
            writer.write(request)
            async with asyncio.timeout(self.answer_timeout):
                status, body = await read_response(reader)
        except TimeoutError:  # an OSError too, but no dropped connection: a hang
            self.close()
            raise
        except (OSError, asyncio.IncompleteReadError) as e:
            self.close()
            self.dropped += 1
            raise _SendAgainError from e
        if retryable(status, body):
            self.retried.append((status, body))
            raise _SendAgainError
        return status, body

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        return self._streams

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


def retryable(status: int, body: bytes) -> bool:
    """The server's "try again": 503, or a GraphQL error marked retryable."""
    return status == 503 or b'"retryable":true' in body


class ClientsThread(threading.Thread):
    """Runs the clients' coroutine on an event loop of its own; ``result`` re-raises what
    ended it (a client that gave up) in the caller's thread."""

    def __init__(self, clients: Coroutine[Any, Any, Any]) -> None:
        super().__init__(daemon=True)
        self.clients = clients
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self.clients)
        except BaseException as e:  # handed to the test's thread by result()
            self.error = e

    def result(self, timeout: float) -> None:
        self.join(timeout)
        if self.is_alive():
            raise TimeoutError(f"the clients did not finish within {timeout:g}s")
        if self.error is not None:
            raise self.error
