"""``GET /health/live`` and ``GET /health/ready``: what an orchestrator asks of a server.

Both answer without a token and say nothing but a status (the details are the admins'
``systemStatus`` query):
- live: the process answers HTTP (200 ``{"status": "ok"}``); restart it when it does not;
- ready: the event store answers, the user directory can be read and no read model lags
  the log by more than ``BOLASHAK_READY_MAX_LAG`` events (200 ``{"status": "ready"}``,
  else 503 ``{"status": "unavailable"}``); send it no traffic meanwhile.

Ready never hangs: its reads run on a thread of their own, and an answer not found within
``READY_TIMEOUT_SECONDS`` is 503. While a check still runs (a database that does not
answer), the next request is answered 503 at once rather than queued behind it, so a
probe every few seconds never piles up threads or connections. Why a server is not
ready goes to its log.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.context import Services
from infra.system_status import Readiness, readiness

log = logging.getLogger(__name__)
READY_TIMEOUT_SECONDS = 3.0  # within the compose file's (and most probes') 5 s
NO_STORE = {"Cache-Control": "no-store"}


class Health:
    """The two endpoints over one server's services."""

    def __init__(self, services: Services, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        self.services = services
        self.timeout = timeout
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="bolashak-health")
        self._running: asyncio.Future[Readiness] | None = None

    async def live(self, _: Request) -> Response:
        return JSONResponse({"status": "ok"}, headers=NO_STORE)

    async def ready(self, _: Request) -> Response:
        found = await self._check()
        if found.ready:
            return JSONResponse({"status": "ready"}, headers=NO_STORE)
        log.warning("not ready: %s", found.reason)
        return JSONResponse({"status": "unavailable"}, status_code=503, headers=NO_STORE)

    async def _check(self) -> Readiness:
        if self._running is not None and not self._running.done():
            return Readiness(False, "the previous check has not finished")
        services = self.services
        running = asyncio.get_running_loop().run_in_executor(
            self._thread, readiness, services.engine, services.settings.ready_max_lag
        )
        self._running = running
        try:
            async with asyncio.timeout(self.timeout):
                return await asyncio.shield(running)
        except TimeoutError:
            return Readiness(False, f"no answer within {self.timeout:g}s")

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)
