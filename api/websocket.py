"""GraphQL over the websocket (graphql-transport-ws only), for subscriptions.

Strawberry speaks the protocol (connection_init, ping/pong, subscribe, complete); each
operation runs through the same pipeline as over HTTP (``api/pipeline.py``): the same
cached parsing, validation and limits, the request's context, the same error masking. A
document refused by the pipeline, or one that is not a subscription, gets an ``error``
message for its id and runs nothing.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from graphql import OperationType
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from typing_extensions import override

from api.auth import AuthError
from api.context import Context, Services
from api.errors import UNAVAILABLE
from api.pipeline import GraphQLPipeline, RefusedDocumentError
from api.schema import office_schema
from api.users import DirectoryUnavailableError
from domain.case.meta import Role

ONLY_SUBSCRIPTIONS = (
    "only subscriptions run over the websocket; queries and mutations go over HTTP POST"
)


class PipelineTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws whose operations run through ``GraphQLPipeline``."""

    @override
    async def run_operation(self, operation: Operation[Context, None]) -> None:
        view = self.view
        assert isinstance(view, SubscriptionApp)
        try:
            await self._stream(view.pipeline, operation)
        except Exception as error:  # as strawberry's own: reported, then completed
            await self.handle_task_exception(error)
            with suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise

    async def _stream(self, pipeline: GraphQLPipeline, operation: Operation[Context, None]) -> None:
        try:
            prepared = pipeline.prepare(operation.query, operation.operation_name, expert=False)
            if prepared.kind is not OperationType.SUBSCRIPTION:
                raise RefusedDocumentError([{"message": ONLY_SUBSCRIPTIONS}])
            pipeline.coerce_variables(prepared, operation.variables)
        except RefusedDocumentError as refused:
            error: Any = {"id": operation.id, "type": "error", "payload": refused.errors}
            await operation.send_operation_message(error)
            return
        async for payload in pipeline.subscribe(prepared, self.context, operation.variables):
            message: Any = {"id": operation.id, "type": "next", "payload": payload}
            await operation.send_operation_message(message)
        await operation.send_operation_message({"id": operation.id, "type": "complete"})


class SubscriptionApp(GraphQL[Context, None]):
    """Strawberry's websocket protocol with our context and bearer-token check; execution
    is the pipeline's (``PipelineTransportWS``)."""

    graphql_transport_ws_handler_class = PipelineTransportWS

    def __init__(self, services: Services, pipeline: GraphQLPipeline) -> None:
        self.pipeline = pipeline
        super().__init__(
            office_schema(),
            graphql_ide=None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=20,
        )
        self.services = services

    @override
    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(self.services)

    async def on_ws_connect(self, context: Context) -> None:
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        context.authorization = header if isinstance(header, str) else None
        try:
            principal = await self.services.admit(context.authorization)
        except AuthError as e:
            raise ConnectionRejectionError({"reason": str(e)}) from None
        except DirectoryUnavailableError:
            raise ConnectionRejectionError({"reason": UNAVAILABLE, "retryable": True}) from None
        if principal.role is Role.EXPERT:  # experts have no subscriptions
            raise ConnectionRejectionError({"reason": "no subscriptions for this role"})
        context.principal = principal
