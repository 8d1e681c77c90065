"""The ASGI application: GraphQL over HTTP and over websockets (graphql-transport-ws only).

On the embedded SQLite default the projections and the deadline job run in this process;
on PostgreSQL they are their own worker processes.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from typing_extensions import override

from api.auth import AuthError, TokenKeys
from api.context import Context, Services, ViewPool
from api.http import UNAVAILABLE, GraphQLEndpoint, Limits
from api.schema import office_schema
from api.users import ActiveUsers, DirectoryUnavailableError
from api.watch import LogWatcher
from domain.case.meta import Role
from domain.clock import Clock, SystemClock
from infra import container
from infra.settings import Settings


@dataclass(frozen=True)
class ServerOptions:
    production: bool = False
    in_process_workers: bool = True  # projections and deadline job in this process
    limits: Limits = field(default_factory=Limits)


class CheckedTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with the HTTP endpoint's document limits, for subscriptions
    only: a refused document gets an ``error`` message for its id, and runs nothing."""

    @override
    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        view = self.view
        assert isinstance(view, SubscriptionApp)
        payload = message.get("payload") or {}
        problems = view.endpoint.websocket_problems(
            payload.get("query"), payload.get("operationName")
        )
        fresh = self.connection_acknowledged and message["id"] not in self.operations
        if problems and fresh:
            await self.send_message({"id": message["id"], "type": "error", "payload": problems})
            return
        await super().handle_subscribe(message)


class SubscriptionApp(GraphQL[Context, None]):
    """Strawberry's websocket handling, with our context and bearer-token check, and the
    HTTP endpoint's document limits (``CheckedTransportWS``)."""

    graphql_transport_ws_handler_class = CheckedTransportWS

    def __init__(self, services: Services, endpoint: GraphQLEndpoint) -> None:
        self.endpoint = endpoint
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


def create_app(
    settings: Settings, options: ServerOptions = ServerOptions(), clock: Clock | None = None
) -> Starlette:
    """The app over the objects the composition root (``infra/container.py``) builds."""
    clock = clock or SystemClock()
    secret = container.jwt_secret(settings, production=options.production)
    service = container.build_service(settings, clock=clock)
    connect = functools.partial(container.query_connection, settings, service.events_table())
    views = ViewPool(connect, settings.read_connections)
    services = Services(
        settings=settings,
        service=service,
        views=views,
        keys=TokenKeys(secret, settings.token_max_hours * 3600),
        users=ActiveUsers(views),
        clock=clock,
        engine=container.status_engine(settings, service),  # projectionStatus and /health
        production=options.production,
    )
    endpoint = GraphQLEndpoint(services, options.limits, production=options.production)
    ws = SubscriptionApp(services, endpoint)
    workers = (
        container.build_in_process_workers(settings, service, clock)
        if options.in_process_workers
        else None
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        services.watcher = LogWatcher(services)
        await services.watcher.start()
        if workers is not None:
            workers.start()
        try:
            yield
        finally:
            await services.watcher.stop()
            if workers is not None:
                workers.stop()
            services.close()

    async def health(_: Request) -> Response:
        status = await services.projection_status()
        return JSONResponse({"status": "ok", "lag": {s.name: s.lag for s in status}})

    async def websocket(socket: WebSocket) -> None:
        await ws(socket.scope, socket.receive, socket.send)

    routes = [
        Route("/graphql", endpoint.handle, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        WebSocketRoute("/graphql", websocket),
        Route("/health", health),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.services = services  # for the tests that look inside a server process
    return app
