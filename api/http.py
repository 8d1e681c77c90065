"""GraphQL over HTTP, as the GraphQL-over-HTTP specification asks.

POST with ``application/json`` (and GET for queries); responses in
``application/graphql-response+json`` when the client accepts it (request errors then use
400) or ``application/json`` (request errors use 200). Documents are parsed and validated
once per distinct text (cached), with depth, alias and token limits and, in production, no
introspection. Execution has a time limit; internal errors are masked.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.validation import ASTValidationRule, ValidationRule
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.extensions.max_aliases import create_validator as alias_limit
from strawberry.extensions.query_depth_limiter import create_validator as depth_limit
from strawberry.http.ides import get_graphql_ide_html

from api.auth import AuthError, Principal
from api.context import Context, Services
from api.document_size import expanded_field_count
from api.errors import (
    MASKED_MESSAGE,
    RETRY_AFTER_SECONDS,
    is_outage,
    is_public,
    is_unavailable,
    unavailable,
)
from api.fast_executor import PlainFieldsExecutor
from api.schema import expert_schema, office_schema
from api.users import DirectoryUnavailableError
from domain.case.meta import Role

log = logging.getLogger(__name__)
JSON_TYPE = "application/json"
GRAPHQL_JSON_TYPE = "application/graphql-response+json"
UNAVAILABLE = "the user directory is unavailable right now; retry shortly"


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 1_000_000
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5_000
    max_fields: int = 5_000  # fields selected once fragments are spread (no fragment bombs)
    timeout_seconds: float = 10.0


class NoSchemaDiscoveryRule(ValidationRule):
    """Production: no ``__schema`` (discovering the whole schema). ``__type`` lookups of a
    named type stay: the GraphQL-over-HTTP compliance audit uses them, and the SDL is
    published with the code anyway."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.name.value == "__schema":
            self.report_error(
                GraphQLError(
                    "schema introspection is disabled in production; the schema is published as "
                    "api/schema.graphql",
                    node,
                )
            )


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
    def __init__(self, services: Services, limits: Limits, *, production: bool) -> None:
        self.services = services
        self.limits = limits
        self.production = production
        rules: list[type[ASTValidationRule]] = [
            *specified_rules,
            depth_limit(limits.max_depth, None),
            alias_limit(limits.max_aliases),
        ]
        if production:
            rules.append(NoSchemaDiscoveryRule)
        self.rules = tuple(rules)
        self.schemas = {False: office_schema()._schema, True: expert_schema()._schema}
        self._parse = lru_cache(maxsize=2048)(self._parse_uncached)
        self._validate = lru_cache(maxsize=4096)(self._validate_uncached)

    async def handle(self, request: Request) -> Response:
        try:
            if request.method == "GET" and _wants_ide(request) and not self.production:
                return HTMLResponse(get_graphql_ide_html(graphql_ide="graphiql"))
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
        expert = principal.role is Role.EXPERT
        schema = self.schemas[expert]
        document, errors = self._parse(params["query"])
        if document is None or errors:
            return _graphql_response({"errors": errors}, request_status, media_type)
        errors = self._validate(expert, params["query"])
        if errors:
            return _graphql_response({"errors": errors}, request_status, media_type)
        operation = get_operation_ast(document, params.get("operationName"))
        if operation is None:
            message = (
                "no operation of that name"
                if params.get("operationName")
                else ("the document must name the operation to run (operationName)")
            )
            return _graphql_response({"errors": [{"message": message}]}, request_status, media_type)
        if operation.operation is OperationType.SUBSCRIPTION:
            return _graphql_response(
                {
                    "errors": [
                        {"message": "subscriptions run over the graphql-transport-ws websocket"}
                    ]
                },
                request_status,
                media_type,
            )
        if request.method == "GET" and operation.operation is not OperationType.QUERY:
            return _error_response(405, "mutations need POST", media_type, {"Allow": "POST"})
        context = Context(self.services, principal, request.headers.get("x-request-id") or "")
        coerced = get_variable_values(
            schema, operation.variable_definitions or (), params.get("variables") or {}
        )
        if isinstance(coerced, list):  # the variables do not fit their declared types
            return _graphql_response(
                {"errors": [e.formatted for e in coerced]}, request_status, media_type
            )
        try:
            async with asyncio.timeout(self.limits.timeout_seconds):  # no task of its own
                result = await self._execute(schema, document, context, params)
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
        payload = _payload(result)
        if any(is_unavailable(e) for e in payload.get("errors", ())):
            return _graphql_response(
                payload, 503, media_type, {"Retry-After": str(RETRY_AFTER_SECONDS)}
            )
        return _graphql_response(payload, 200, media_type)

    async def _execute(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        context: Context,
        params: dict[str, Any],
    ) -> ExecutionResult:
        result = execute(
            schema,
            document,
            context_value=context,
            variable_values=params.get("variables"),
            operation_name=params.get("operationName"),
            executor_class=PlainFieldsExecutor,
        )
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            result = await result
        return result  # type: ignore[return-value]

    def websocket_problems(self, query: Any, operation_name: Any) -> list[Any]:
        """Why a document may not run over the websocket, or nothing: the same size, token,
        field, depth and alias limits as over HTTP, and subscriptions only (queries and
        mutations go over HTTP, with its time limit). Experts never get a socket."""
        if not isinstance(query, str):
            return [{"message": "query: a GraphQL document (a string) is required"}]
        if len(query.encode("utf-8", "replace")) > self.limits.max_body_bytes:
            return [{"message": f"the document is over {self.limits.max_body_bytes} bytes"}]
        document, errors = self._parse(query)
        if document is None or errors:
            return errors
        errors = self._validate(False, query)
        if errors:
            return errors
        name = operation_name if isinstance(operation_name, str) else None
        operation = get_operation_ast(document, name)
        if operation is None or operation.operation is not OperationType.SUBSCRIPTION:
            return [
                {
                    "message": "only subscriptions run over the websocket;"
                    " queries and mutations go over HTTP POST"
                }
            ]
        return []

    def _parse_uncached(self, query: str) -> tuple[DocumentNode | None, list[Any]]:
        try:
            return parse(query, max_tokens=self.limits.max_tokens), []
        except GraphQLError as e:
            return None, [e.formatted]

    def _validate_uncached(self, expert: bool, query: str) -> list[Any]:
        document, _ = self._parse(query)
        assert document is not None
        cap = self.limits.max_fields
        if expanded_field_count(document, cap + 1) > cap:  # before the rules that spread them
            message = f"the document selects over {cap} fields once its fragments are spread"
            return [GraphQLError(message).formatted]
        return [e.formatted for e in validate(self.schemas[expert], document, self.rules)]


def _payload(result: ExecutionResult) -> dict[str, Any]:
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [_shown(e) for e in result.errors]
    return payload


def _shown(error: GraphQLError) -> Any:
    if is_public(error):
        return error.formatted
    if is_outage(error):  # the database is down or restarting: the client should retry
        log.warning("database unavailable in %s: %s", error.path, error.original_error)
        return {**unavailable().formatted, "path": error.path}
    log.error("internal error in %s", error.path, exc_info=error.original_error)
    return {
        "message": MASKED_MESSAGE,
        "locations": error.formatted.get("locations"),
        "path": error.path,
    }


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
    payload: dict[str, Any], status: int, media_type: str, headers: dict[str, str] | None = None
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
