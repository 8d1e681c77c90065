"""GraphQL over HTTP, as the GraphQL-over-HTTP specification asks.

POST with ``application/json`` (and GET for queries); responses in
``application/graphql-response+json`` when the client accepts it (request errors then use
400) or ``application/json`` (request errors use 200). The caller is admitted first (401
before anything else); the document then runs through the one pipeline every transport uses
(``api/pipeline.py``: cached parsing and validation with the limits, execution, masking),
within a time limit.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from graphql import OperationType
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from api.auth import AuthError, Principal
from api.context import Context, Services
from api.errors import RETRY_AFTER_SECONDS, UNAVAILABLE, is_unavailable, unavailable
from api.ide import graphiql_html
from api.pipeline import GraphQLPipeline, Limits, Payload, RefusedDocumentError
from api.users import DirectoryUnavailableError
from domain.case.meta import Role

JSON_TYPE = "application/json"
GRAPHQL_JSON_TYPE = "application/graphql-response+json"
SUBSCRIPTIONS_OVER_WS = "subscriptions run over the graphql-transport-ws websocket"


class RequestError(Exception):
    """The HTTP request itself is wrong (before any GraphQL): status and message."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        self.extensions = extensions


class GraphQLEndpoint:
    def __init__(self, services: Services, pipeline: GraphQLPipeline, *, production: bool):
        self.services = services
        self.pipeline = pipeline
        self.limits: Limits = pipeline.limits
        self.production = production

    async def handle(self, request: Request) -> Response:
        try:
            if request.method == "GET" and _wants_ide(request) and not self.production:
                return HTMLResponse(graphiql_html())
            principal = await self._principal(request)  # who asks first: 401 before all else
            media_type = _negotiate(request.headers.get("accept"))
            params = await self._params(request)
        except RequestError as e:
            return _error_response(e.status, e.args[0], JSON_TYPE, e.headers, e.extensions)
        return await self._run(request, principal, params, media_type)

    # -- the request ---------------------------------------------------------------------

    async def _principal(self, request: Request) -> Principal:
        try:
            return await self.services.admit(request.headers.get("authorization"))
        except AuthError as e:
            raise RequestError(
                401, str(e), {"WWW-Authenticate": 'Bearer realm="bolashak"'}
            ) from None
        except DirectoryUnavailableError:
            outage = unavailable()  # the same retryable error as a store outage
            raise RequestError(
                503, UNAVAILABLE, {"Retry-After": str(RETRY_AFTER_SECONDS)}, outage.extensions
            ) from None

    async def _params(self, request: Request) -> dict[str, Any]:
        if request.method == "GET":
            return _get_params(request)
        if request.method != "POST":
            raise RequestError(405, "use POST (or GET for queries)", {"Allow": "GET, POST"})
        content_type = request.headers.get("content-type", "")
        if not content_type:
            raise RequestError(415, "a content-type is required: application/json")
        if content_type.split(";")[0].strip().lower() != JSON_TYPE:
            raise RequestError(415, f"unsupported content-type {content_type!r}; use {JSON_TYPE}")
        body = await self._body(request)
        if not body:
            raise RequestError(400, "the request body is empty")
        try:
            params = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise RequestError(400, "the request body is not valid JSON") from None
        return _checked(params)

    async def _body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.limits.max_body_bytes:
            raise RequestError(413, f"request body over {self.limits.max_body_bytes} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.limits.max_body_bytes:
                raise RequestError(413, f"request body over {self.limits.max_body_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    # -- GraphQL -------------------------------------------------------------------------

    async def _run(
        self, request: Request, principal: Principal, params: dict[str, Any], media_type: str
    ) -> Response:
        request_status = 400 if media_type == GRAPHQL_JSON_TYPE else 200
        try:
            prepared = self.pipeline.prepare(
                params["query"], params.get("operationName"), expert=principal.role is Role.EXPERT
            )
            if prepared.kind is OperationType.SUBSCRIPTION:
                raise RefusedDocumentError([{"message": SUBSCRIPTIONS_OVER_WS}])
            if request.method == "GET" and prepared.kind is not OperationType.QUERY:
                return _error_response(405, "mutations need POST", media_type, {"Allow": "POST"})
            context = Context(self.services, principal, request.headers.get("x-request-id") or "")
            async with asyncio.timeout(self.limits.timeout_seconds):  # no task of its own
                payload = await self.pipeline.execute(prepared, context, params.get("variables"))
        except RefusedDocumentError as refused:  # its variables, too, do not fit their types
            return _graphql_response({"errors": refused.errors}, request_status, media_type)
        except TimeoutError:
            return _graphql_response(
                {
                    "errors": [
                        {
                            "message": f"the request took over {self.limits.timeout_seconds:g}s",
                            "extensions": {"code": "TIMEOUT"},
                        }
                    ]
                },
                504,
                media_type,
            )
        if any(is_unavailable(e) for e in payload.get("errors", ())):
            return _graphql_response(
                payload, 503, media_type, {"Retry-After": str(RETRY_AFTER_SECONDS)}
            )
        return _graphql_response(payload, 200, media_type)


def _get_params(request: Request) -> dict[str, Any]:
    q = request.query_params
    params: dict[str, Any] = {"query": q.get("query"), "operationName": q.get("operationName")}
    for key in ("variables", "extensions"):
        raw = q.get(key)
        if raw:
            try:
                params[key] = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise RequestError(400, f"{key} is not valid JSON") from None
    return _checked(params)


def _checked(params: Any) -> dict[str, Any]:
    if not isinstance(params, dict):
        raise RequestError(400, "the request must be a JSON object")
    if not isinstance(params.get("query"), str):
        raise RequestError(400, "query: a GraphQL document (a string) is required")
    for key, kind in (("variables", dict), ("extensions", dict), ("operationName", str)):
        if params.get(key) is not None and not isinstance(params[key], kind):
            raise RequestError(400, f"{key} must be {'an object' if kind is dict else 'a string'}")
    return params


def _negotiate(accept: str | None) -> str:
    if not accept:
        return JSON_TYPE
    kinds = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if GRAPHQL_JSON_TYPE in kinds:
        return GRAPHQL_JSON_TYPE
    if JSON_TYPE in kinds or "*/*" in kinds or "application/*" in kinds:
        return JSON_TYPE
    if "text/html" in kinds:
        return JSON_TYPE
    raise RequestError(406, f"responses are {GRAPHQL_JSON_TYPE} or {JSON_TYPE}")


def _wants_ide(request: Request) -> bool:
    return "query" not in request.query_params and "text/html" in request.headers.get("accept", "")


def _graphql_response(
    payload: Payload, status: int, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(payload),
        status_code=status,
        media_type=f"{media_type}; charset=utf-8",
        headers=headers,
    )


def _error_response(
    status: int,
    message: str,
    media_type: str,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> Response:
    error: dict[str, Any] = {"message": message}
    if extensions:
        error["extensions"] = extensions
    body = orjson.dumps({"errors": [error]})
    return Response(
        body, status_code=status, media_type=f"{media_type}; charset=utf-8", headers=headers
    )
