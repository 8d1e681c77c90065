"""The back-office page: a small web application served by the server itself, in every mode.

``/`` is the page (``api/static/backoffice/index.html``), its scripts and styles are under
``/static/backoffice/``, and everything it shows it asks the public GraphQL API with the
token the user signs in with: it is also the API's reference client.

In development mode ``/backoffice/token`` mints a token for a demo user of a role
(``officer-1``, ``expert-1``...; registered in the user directory when missing), so that the
page's role picker can sign in without the CLI. In production it refuses (403): there a
token comes from ``bolashak token``, never from a page.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from api.context import Services
from domain.case.meta import Role
from infra import container
from infra.audit.export import STYLE
from infra.users import DEMO_USERS

ASSETS = Path(__file__).parent / "static" / "backoffice"
ASSETS_URL = "/static/backoffice"
TOKEN_URL = "/backoffice/token"
DEMO_TOKEN_SECONDS = 8 * 3600
# The audit export's one inline style (a Blob URL's page keeps the policy of the page that
# made it, so the export the case page opens is under this policy too): let in by its hash,
# no other inline style.
EXPORT_STYLE = "'sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode() + "'"
# the page loads nothing from elsewhere; its scripts talk to this server only
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none';"
    f" style-src 'self' {EXPORT_STYLE}; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PRODUCTION_REFUSAL = "demo tokens are minted in development mode only (use bolashak token)"


def routes(services: Services) -> list[BaseRoute]:
    """The page, its files and the development token endpoint."""

    async def page(_: Request) -> Response:
        return FileResponse(ASSETS / "index.html", headers=PAGE_HEADERS)

    async def demo_token(request: Request) -> Response:
        if services.production:
            return JSONResponse({"error": PRODUCTION_REFUSAL}, status_code=403)
        if request.method == "GET":  # the role picker asks which roles it may offer
            return JSONResponse({"users": {u: r.value for u, r in DEMO_USERS.items()}})
        role = await _requested_role(request)
        if role is None:
            roles = ", ".join(r.value for r in DEMO_USERS.values())
            return JSONResponse({"error": f"role: one of {roles}"}, status_code=400)
        user = next(u for u, r in DEMO_USERS.items() if r is role)
        await run_in_threadpool(container.register_users, services.settings, {user: role})
        seconds = min(DEMO_TOKEN_SECONDS, services.keys.max_lifetime_seconds)
        token = services.keys.mint(user, role, seconds)
        return JSONResponse({"user": user, "role": role.value, "token": token})

    return [
        Route("/", page),
        Route(TOKEN_URL, demo_token, methods=["GET", "POST"]),
        Mount(ASSETS_URL, StaticFiles(directory=ASSETS)),
    ]


async def _requested_role(request: Request) -> Role | None:
    """The role of a JSON body ``{"role": "officer"}`` (JSON only: a cross-site form cannot
    send it without the browser asking first), or None."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return None
    try:
        value = json.loads(await request.body()).get("role")
    except (ValueError, AttributeError):
        return None
    return next((r for r in DEMO_USERS.values() if r.value == value), None)
