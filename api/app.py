"""The ASGI application: GraphQL over HTTP and over websockets (graphql-transport-ws only).

On the embedded SQLite default the projections and the deadline job run in this process;
on PostgreSQL they are their own worker processes.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from api.auth import TokenKeys
from api.context import Services, ViewPool
from api.http import GraphQLEndpoint
from api.pipeline import GraphQLPipeline, Limits
from api.users import ActiveUsers
from api.watch import LogWatcher
from api.websocket import SubscriptionApp
from domain.clock import Clock, SystemClock
from infra.bootstrap import build_service
from infra.settings import Settings
from infra.workers import InProcessWorkers
from projections.catalog import all_projections
from projections.engine import ProjectionEngine
from projections.sql import ViewDatabase


@dataclass(frozen=True)
class ServerOptions:
    production: bool = False
    in_process_workers: bool = True  # projections and deadline job in this process
    limits: Limits = field(default_factory=Limits)
    # every query also runs on graphql-core's standard executor, and the answers must be
    # equal (the test suite's servers: api/pipeline.py)
    differential: bool = False


def create_app(
    settings: Settings, options: ServerOptions = ServerOptions(), clock: Clock | None = None
) -> Starlette:
    clock = clock or SystemClock()
    service = build_service(settings, clock=clock)
    # for projectionStatus and /health only: reads through the service's own connections
    engine = ProjectionEngine(
        service, ViewDatabase(settings, service.events_table()), all_projections(service.sealer)
    )
    views = ViewPool(settings, service.events_table(), settings.read_connections)
    services = Services(
        settings=settings,
        service=service,
        views=views,
        keys=TokenKeys.from_env(production=options.production, max_hours=settings.token_max_hours),
        users=ActiveUsers(views),
        clock=clock,
        engine=engine,
        production=options.production,
    )
    pipeline = GraphQLPipeline(
        options.limits, production=options.production, differential=options.differential
    )
    endpoint = GraphQLEndpoint(services, pipeline, production=options.production)
    ws = SubscriptionApp(services, pipeline)
    workers = InProcessWorkers(settings, service, clock) if options.in_process_workers else None

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
