"""The one way a GraphQL document runs, over HTTP and over the websocket alike.

``prepare`` parses the document (cached per text, with a token limit), validates it
against the caller's schema (office or expert) with the depth, alias and expanded-field
limits and, in production, no schema discovery (cached per schema and text), and picks the
operation. ``execute`` runs a query or mutation with the request's context on the
plain-fields executor (``api/fast_executor.py``); ``subscribe`` runs a subscription. Both
mask what a client may not see (``masked``) and answer plain payloads the transports encode.

With ``differential`` on (the test suite), every query also runs on graphql-core's standard
executor and the two results must be equal: the fast path may only ever be a faster way to
the same answer.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    subscribe,
    validate,
)
from graphql.execution import Executor
from graphql.execution.values import get_variable_values
from graphql.validation import ASTValidationRule, ValidationRule
from strawberry.extensions.max_aliases import create_validator as alias_limit
from strawberry.extensions.query_depth_limiter import create_validator as depth_limit

from api.context import OPERATION_MOMENT, Context
from api.document_size import expanded_field_count
from api.errors import MASKED_MESSAGE, is_outage, is_public, unavailable
from api.fast_executor import PlainFieldsExecutor
from api.schema import expert_schema, office_schema
from infra.observability import access, tracing
from infra.observability.metrics import operation_label, operation_seconds, operations_run

log = logging.getLogger(__name__)
Payload = dict[str, Any]


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


@dataclass(frozen=True)
class Prepared:
    """A document ready to run: parsed, valid for the caller's schema, its operation."""

    schema: GraphQLSchema
    document: DocumentNode
    operation: OperationDefinitionNode
    operation_name: str | None

    @property
    def kind(self) -> OperationType:
        return self.operation.operation

    def arguments(self, context: Context, variables: Any) -> dict[str, Any]:
        """What graphql-core's ``execute`` and ``subscribe`` both take to run it."""
        return {
            "schema": self.schema,
            "document": self.document,
            "context_value": context,
            "variable_values": variables,
            "operation_name": self.operation_name,
        }


class RefusedDocumentError(Exception):
    """The document cannot run: the errors to answer with, formatted."""

    def __init__(self, errors: list[Payload]) -> None:
        super().__init__(errors[0].get("message", "") if errors else "")
        self.errors = errors


class DifferentResultsError(AssertionError):
    """The fast and the standard executor answered one query differently (a bug)."""


class GraphQLPipeline:
    def __init__(self, limits: Limits, *, production: bool, differential: bool = False):
        self.limits = limits
        self.differential = differential
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

    # -- before running ------------------------------------------------------------------

    def prepare(self, query: Any, operation_name: Any, *, expert: bool) -> Prepared:
        """The document, checked; raises ``RefusedDocumentError`` with the errors to answer."""
        if not isinstance(query, str):
            raise RefusedDocumentError(
                [{"message": "query: a GraphQL document (a string) is required"}]
            )
        if len(query) > self.limits.max_body_bytes:  # the websocket has no body limit of its own
            raise RefusedDocumentError(
                [{"message": f"the document is over {self.limits.max_body_bytes} bytes"}]
            )
        document, errors = self._parse(query)
        if document is None or errors:
            raise RefusedDocumentError(errors)
        errors = self._validate(expert, query)
        if errors:
            raise RefusedDocumentError(errors)
        name = operation_name if isinstance(operation_name, str) else None
        operation = get_operation_ast(document, name)
        if operation is None:
            message = (
                "no operation of that name"
                if name
                else "the document must name the operation to run (operationName)"
            )
            raise RefusedDocumentError([{"message": message}])
        return Prepared(self.schemas[expert], document, operation, name)

    def coerce_variables(self, prepared: Prepared, variables: Any) -> None:
        """Raises ``RefusedDocumentError`` when the variables do not fit their declared types
        (a subscription's, before its stream starts; a query's or mutation's are coerced
        once, by ``execute``)."""
        coerced = get_variable_values(
            prepared.schema, prepared.operation.variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):
            raise RefusedDocumentError([_naming_allowed(prepared.schema, e) for e in coerced])

    # -- running -------------------------------------------------------------------------

    async def execute(self, prepared: Prepared, context: Context, variables: Any) -> Payload:
        """A query or mutation's masked payload (``data``, and ``errors`` when any):
        counted and timed by operation name and outcome, noted in the access log, and a
        span while tracing is on (``infra/observability/``). Raises
        ``RefusedDocumentError``, before anything runs or is counted, when the variables
        do not fit their declared types: they are coerced once, as the operation's
        executor is built (a check of its own beforehand coerced them twice, about a tenth
        of a mutation's time on the event loop)."""
        executor = PlainFieldsExecutor.build(
            prepared.schema,
            prepared.document,
            context_value=context,
            raw_variable_values=variables,
            operation_name=prepared.operation_name,
        )
        if isinstance(executor, list):
            raise RefusedDocumentError([_naming_allowed(prepared.schema, e) for e in executor])
        operation = prepared.operation.name
        label = operation_label(operation.value if operation is not None else None)
        kind = prepared.kind.value
        caller = getattr(context, "principal", None)  # None: a test without a caller
        if caller is not None:
            access.note(label, caller.user_id, caller.role.value, context)
        OPERATION_MOMENT.set(datetime.now(UTC))
        started = time.perf_counter()
        outcome = "cancelled"  # the request's time limit, or its client gone
        try:
            if tracing.enabled():
                attributes = {"graphql.operation.name": label, "graphql.operation.type": kind}
                with tracing.span(f"{kind} {label}", attributes=attributes):
                    payload = await self._execute(executor, prepared, context, variables)
            else:
                payload = await self._execute(executor, prepared, context, variables)
            outcome = "error" if "errors" in payload else "ok"
            return payload
        except Exception:
            outcome = "failed"
            raise
        finally:
            operations_run(label, kind, outcome).inc()
            operation_seconds(label, kind).observe(time.perf_counter() - started)

    async def _execute(
        self, executor: Executor[Any], prepared: Prepared, context: Context, variables: Any
    ) -> Payload:
        result = await self._run(executor, prepared, context, variables)
        if self.differential and prepared.kind is OperationType.QUERY:
            standard = await self._run(None, prepared, context, variables)
            if not (_met_an_outage(result) or _met_an_outage(standard)):
                fast, slow = _comparable(result), _comparable(standard)
                if fast != slow:
                    raise DifferentResultsError(
                        f"the fast executor answered {fast!r} where the standard one answered "
                        f"{slow!r}"
                    )
        return masked(result)

    async def _run(
        self, executor: Executor[Any] | None, prepared: Prepared, context: Context, variables: Any
    ) -> ExecutionResult:
        """The operation run by ``executor`` (built with its variables), or by graphql-core's
        standard executor when None (the differential check's second run)."""
        if executor is not None:
            return await _result(executor.execute_operation())
        return await _result(execute(**prepared.arguments(context, variables)))

    async def subscribe(
        self, prepared: Prepared, context: Context, variables: Any
    ) -> AsyncIterator[Payload]:
        """A subscription's masked payloads, one per event it yields."""
        stream = subscribe(**prepared.arguments(context, variables))
        if asyncio.iscoroutine(stream):
            stream = await stream
        if isinstance(stream, ExecutionResult):  # refused before the first event
            yield masked(stream)
            return
        try:
            async for result in stream:  # type: ignore[union-attr]
                yield masked(result)
        except Exception as e:  # raised by the source stream: its last message, masked
            error = e if isinstance(e, GraphQLError) else GraphQLError(str(e), original_error=e)
            yield masked(ExecutionResult(None, [error]))
        finally:
            close = getattr(stream, "aclose", None)
            if close is not None:
                await close()

    # -- the caches ----------------------------------------------------------------------

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
        schema = self.schemas[expert]
        return [_naming_allowed(schema, e) for e in validate(schema, document, self.rules)]


async def _result(outcome: Any) -> ExecutionResult:
    """An execution's result, awaited when its resolvers were asynchronous."""
    if asyncio.iscoroutine(outcome) or isinstance(outcome, asyncio.Future):
        outcome = await outcome
    if not isinstance(outcome, ExecutionResult):  # an incremental stream: no @defer here
        raise GraphQLError("the operation answered more than one payload")
    return outcome


_ENUM_NAMED = re.compile(r"'(\w+)' enum|Enum '(\w+)'")


def _naming_allowed(schema: GraphQLSchema, error: GraphQLError) -> Payload:
    """The error, formatted; one about a value of an enum also names every value the enum
    allows (graphql-core names the enum and, at most, a close one)."""
    formatted = dict(error.formatted)
    found = _ENUM_NAMED.search(error.message)
    kind = schema.type_map.get(next(filter(None, found.groups()))) if found else None
    if isinstance(kind, GraphQLEnumType):
        allowed = ", ".join(kind.values)
        formatted["message"] = f"{error.message} Allowed values: {allowed}."
    return formatted


def _met_an_outage(result: ExecutionResult) -> bool:
    """Whether the run met the database down or busy: the two runs happen one after the
    other, so an outage says when each ran, not how; such a pair is not compared."""
    return any(is_outage(e) for e in result.errors or ())


def _comparable(result: ExecutionResult) -> tuple[Any, list[Any]]:
    return result.data, [e.formatted for e in result.errors or ()]


def masked(result: ExecutionResult) -> Payload:
    """The payload a client sees: internal errors masked (and logged), outages retryable."""
    payload: Payload = {"data": result.data}
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
