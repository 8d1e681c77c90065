"""The baseline for the API benchmark: a plain Starlette JSON endpoint serving the same rows
from the same read model as the GraphQL case-list query (``python -m bench.plain_app``)."""

from __future__ import annotations

import functools
import sys

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.view_pool import ViewPool
from infra.container import build_reader, query_connection
from infra.settings import Settings
from projections import queries


def create_plain_app(settings: Settings) -> Starlette:
    reader = build_reader(settings)  # the same read connections as the server's
    connect = functools.partial(query_connection, settings, reader.events_table())
    pool = ViewPool(connect, settings.read_connections)

    async def cases(_: Request) -> Response:
        page = await pool.run(
            lambda db: queries.list_cases(db, first=20, personal_data=reader.sealer)
        )
        return Response(
            orjson.dumps({"items": page.items, "end": page.end_cursor}),
            media_type="application/json",
        )

    return Starlette(routes=[Route("/cases", cases)])


def plain_app_from_environment() -> Starlette:
    return create_plain_app(Settings.from_env())


if __name__ == "__main__":  # python -m bench.plain_app PORT [PROCESSES]
    port, processes = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1
    uvicorn.run(
        f"bench.plain_app:{plain_app_from_environment.__name__}",
        factory=True,
        workers=processes,
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
