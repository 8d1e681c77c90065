"""The access log: one line per HTTP request, as ASGI middleware.

Method, path, status, duration, and what the GraphQL pipeline adds while it runs the
request (``note``: the operation's name, the caller's user id and role); the request id
is the caller's ``X-Request-Id``, else the id the request's commands were correlated
with, else one made here. Never the query string, the variables, the body or a header's
value (a bearer token). Probes and scrapes (``/health``, ``/metrics``) are logged at
debug. While tracing is on, a request's W3C ``traceparent`` header becomes the parent of
its spans.
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from infra.observability import tracing

log = logging.getLogger("bolashak.access")
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
QUIET_PATHS = ("/health", "/metrics")
_PROCESS = secrets.token_hex(4)  # request ids made here: this prefix and a count
_numbers = itertools.count(1)


@dataclass(slots=True)
class Facts:
    """What the pipeline learns of a request while running it."""

    operation: str | None = None
    user_id: str | None = None
    role: str | None = None
    correlated: Any = None  # the request's GraphQL context: its request id once made


_current: contextvars.ContextVar[Facts | None] = contextvars.ContextVar(
    "bolashak_request", default=None
)


def note(operation: str | None, user_id: str | None, role: str | None, context: Any) -> None:
    """Adds the GraphQL operation and the caller to the current request's line."""
    facts = _current.get()
    if facts is not None:
        facts.operation, facts.user_id, facts.role = operation, user_id, role
        facts.correlated = context


class AccessLog:
    """Wraps an ASGI app; logs each HTTP request when its response has started."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        facts = Facts()
        token = _current.set(facts)
        status = 500  # unless a response starts

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        request_id = traceparent = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = value.decode("latin-1")[:200]
            elif name == b"traceparent":
                traceparent = value.decode("latin-1")
        trace_token = tracing.attach_incoming({"traceparent": traceparent}) if traceparent else None
        try:
            await self.app(scope, receive, sending)
        finally:
            tracing.detach(trace_token)
            _current.reset(token)
            path = scope["path"]
            level = logging.DEBUG if path.startswith(QUIET_PATHS) else logging.INFO
            if log.isEnabledFor(level):
                log.log(
                    level,
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": path,
                        "operation": facts.operation,
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "user_id": facts.user_id,
                        "role": facts.role,
                        "request_id": request_id or _request_id(facts),
                    },
                )


def _request_id(facts: Facts) -> str:
    made = getattr(facts.correlated, "request_id", "")
    return made or f"{_PROCESS}-{next(_numbers)}"
