"""The ASGI application: GraphQL over HTTP and over websockets (graphql-transport-ws only).

On the embedded SQLite default the projections and the deadline job run in this process;
on PostgreSQL they are their own worker processes.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from api import backoffice
from api.auth import TokenKeys
from api.context import Services
from api.health import Health
from api.http import GraphQLEndpoint
from api.ide import ASSETS, ASSETS_URL
from api.pipeline import GraphQLPipeline, Limits
from api.users import ActiveUsers
from api.view_pool import ViewPool
from api.watch import LogWatcher
from api.websocket import SubscriptionApp
from domain.clock import Clock, SystemClock
from infra import container
from infra.observability import metrics
from infra.observability.access import AccessLog
from infra.settings import Settings


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
        engine=container.status_engine(settings, service),  # /health/ready, the status queries
        production=options.production,
    )
    pipeline = GraphQLPipeline(
        options.limits, production=options.production, differential=options.differential
    )
    endpoint = GraphQLEndpoint(services, pipeline, production=options.production)
    health = Health(services)
    ws = SubscriptionApp(services, pipeline)
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
            health.close()
            services.close()

    async def prometheus(request: Request) -> Response:
        metrics.PROJECTIONS.update(await services.projection_status())
        accept = request.headers.get("accept", "")
        body, content_type = metrics.exposition(settings.prometheus_multiproc_dir, accept)
        return Response(body, headers={"Content-Type": content_type})

    async def websocket(socket: WebSocket) -> None:
        await ws(socket.scope, socket.receive, socket.send)

    routes = [
        Route("/graphql", endpoint.handle, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        WebSocketRoute("/graphql", websocket),
        Route("/health/live", health.live),
        Route("/health/ready", health.ready),
        Route("/health", health.live),  # the first name of /health/live, kept for scripts
        Route("/metrics", prometheus),
        *backoffice.routes(services),  # the back-office page at /, in every mode
    ]
    if not options.production:  # GraphiQL's own files: the IDE needs no CDN
        routes.append(Mount(ASSETS_URL.rstrip("/"), StaticFiles(directory=ASSETS)))
    metrics.POOL.watch(service.recorder)
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(AccessLog)])
    app.state.services = services  # for the tests that look inside a server process
    return app
