"""A burst of submissions through the API (issue 8): PostgreSQL, two server processes,
16 concurrent clients, the read models kept by a separate ``bolashak projections run``
worker. Every submission is stored exactly once, the case list converges to the same count,
and ``projectionStatus`` reports the lag while the worker catches up, then none.

``BURST_SUBMISSIONS`` sets the size (10,000 for the issue's burst; smaller by default so
that ``make test`` stays within CI's time)."""

from __future__ import annotations

import asyncio
import os
import threading
import time

import httpx

from api.auth import TokenKeys
from domain.case.meta import Role
from domain.service import application_id_for
from infra.container import build_projection_engine
from infra.settings import Settings
from tests.e2e.conftest import SECRET
from tests.faults.conftest import Workers, stored_log, wait_for_read_models
from tests.support.graphql_client import (
    SUBMIT,
    PersistentClient,
    auth_headers,
    submission_inputs,
)

SUBMISSIONS = int(os.environ.get("BURST_SUBMISSIONS", "300"))
CLIENTS = 16
STATUS = "{ projectionStatus { name lag } }"


async def burst(url: str, packages: list[dict[str, object]], wrong: list[str]) -> None:
    headers = auth_headers(TokenKeys(SECRET).mint("intake-officer", Role.OFFICER))
    queue = iter(packages)

    async def one_client() -> None:
        client = PersistentClient(url, headers)
        try:
            for package in queue:
                answer = await client.send(SUBMIT, {"input": package})
                if b'"CaseUpdated"' not in answer.body or b'"replayed":true' in answer.body:
                    wrong.append(f"{answer.status}: {answer.body[:300]!r}")
        finally:
            client.close()

    await asyncio.gather(*(one_client() for _ in range(CLIENTS)))


def watch_lag(url: str, stop: threading.Event, seen: list[int]) -> None:
    """The largest lag ``projectionStatus`` reports, every quarter second, until ``stop``."""
    headers = {"authorization": f"Bearer {TokenKeys(SECRET).mint('admin-1', Role.ADMIN)}"}
    with httpx.Client(timeout=10) as http:
        while not stop.wait(0.25):
            body = http.post(url, json={"query": STATUS}, headers=headers).json()
            seen.append(max(p["lag"] for p in body["data"]["projectionStatus"]))


def test_a_burst_of_submissions_is_stored_once_and_the_read_models_converge(
    fresh_postgres: Settings, workers: Workers
) -> None:
    packages = submission_inputs(SUBMISSIONS, "burst")
    workers.serve("--workers", "2")
    workers.follow_log()
    wrong: list[str] = []
    lags: list[int] = []
    stop = threading.Event()
    watcher = threading.Thread(target=watch_lag, args=(workers.url, stop, lags))
    watcher.start()
    try:
        started = time.monotonic()
        asyncio.run(burst(workers.url, packages, wrong))
        took = time.monotonic() - started
        deadline = time.monotonic() + 180
        while not (lags and lags[-1] == 0) and time.monotonic() < deadline:
            time.sleep(0.25)
        caught_up = time.monotonic() - started
    finally:
        stop.set()
        watcher.join()
    print(
        f"{SUBMISSIONS} submissions in {took:.1f}s ({SUBMISSIONS / took:.0f}/s);"
        f" read models caught up after {caught_up:.1f}s; largest lag reported {max(lags)}"
    )
    assert wrong == []
    assert max(lags) > 0, "no lag was ever reported: the worker was never behind"
    assert lags[-1] == 0, workers.output()

    log = stored_log(fresh_postgres)
    assert sorted(log) == sorted(str(application_id_for(p["idempotencyKey"])) for p in packages)
    assert {len(events) for events in log.values()} == {1}
    engine = build_projection_engine(fresh_postgres, ["case_list"])
    assert engine.db.query("SELECT count(*) FROM case_list") == [(SUBMISSIONS,)]
    engine.db.close()
    wait_for_read_models(fresh_postgres)
