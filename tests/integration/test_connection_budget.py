"""PostgreSQL connections (issue 19, section 4): each process holds at most its documented
budget (``infra.container.connection_budget``: four processes of the compose stack held
59 connections, the pools growing by ten each on demand), and when its connections are
all busy a request is answered 503 with Retry-After within a few seconds, never left to
hang. (The embedded SQLite store has no pool: one process owns it.)"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import psycopg
import pytest

from api.pipeline import Limits
from domain.case.meta import Role
from infra.container import connection_budget
from infra.settings import POOL_WAIT_SECONDS, Settings
from tests.conftest import FAR_FUTURE
from tests.e2e.conftest import (
    ManagedProcess,
    bolashak_command,
    free_port,
    server_environment,
    stop_together,
)
from tests.support.api import api_for
from tests.support.authz import PREREQUISITES, command_input, document

CASES = "{ applications(first: 20) { edges { node { id applicant { iin } } } } }"
# Seconds an answer may take at most: the user directory's check (a read: up to the 3 s
# wait for a read connection), then the request's 10 s limit, past which it would be a 504.
ANSWERED_WITHIN = POOL_WAIT_SECONDS + Limits().timeout_seconds


def submission(key: str) -> dict[str, Any]:
    sent: dict[str, Any] = command_input(PREREQUISITES["submitApplication"], None, key)
    return sent


@pytest.fixture
def starved(fresh_postgres: Settings) -> Settings:
    """One event-store connection and one read connection per server process."""
    return fresh_postgres.model_copy(update={"pool_size": 1, "read_connections": 1})


@pytest.fixture
def locked(starved: Settings) -> Iterator[psycopg.Connection[Any]]:
    """A session holding the event table and the case list locked, as a long migration
    or a rebuild's swap would: whatever needs either waits."""
    with psycopg.connect(starved.database.dsn()) as conn:
        conn.execute("LOCK TABLE bolashak_events, case_list IN ACCESS EXCLUSIVE MODE")
        yield conn
        conn.rollback()


def test_with_every_connection_busy_requests_are_answered_503_with_retry_after_never_hung(
    starved: Settings, locked: psycopg.Connection[Any]
) -> None:
    with api_for(starved, clock_day=FAR_FUTURE) as api:
        api.token(Role.OFFICER)  # registered before the tables are locked

        def send(n: int) -> tuple[int, str, dict[str, Any], float]:
            started = time.monotonic()
            if n % 2:
                response = api.post(CASES)
            else:
                body = {"input": submission(f"busy-{n}-{uuid4().hex}")}
                response = api.post(document("submitApplication"), body)
            took = time.monotonic() - started
            retry_after = response.headers.get("retry-after", "")
            return response.status_code, retry_after, response.json(), took

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(send, range(12)))
        locked.rollback()  # the lock goes: the same server answers again
        assert "errors" not in api.post(CASES).json()
        after = {"input": submission(f"after-{uuid4().hex}")}
        done = api.post(document("submitApplication"), after)
        assert done.json()["data"]["submitApplication"]["__typename"] == "CaseUpdated"
    statuses = [status for status, *_ in answers]
    assert set(statuses) == {503}, answers
    for _, retry_after, body, took in answers:
        assert retry_after == "2"
        assert body["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
        assert took < ANSWERED_WITHIN, took


@pytest.mark.parametrize("pool_size", [1, 5])
def test_a_server_runs_one_command_thread_per_event_store_connection(
    fresh_postgres: Settings, pool_size: int
) -> None:
    """A thread beyond the pool would wait for a connection where no request sees it."""
    with api_for(fresh_postgres.model_copy(update={"pool_size": pool_size})) as api:
        services = api.client.app.state.services  # type: ignore[attr-defined]
        assert services._commands.size == pool_size
        assert services._commands.free_slots() == pool_size


def test_each_process_holds_no_more_connections_than_its_budget(
    fresh_postgres: Settings, tmp_path: Path
) -> None:
    """Every long-running process of the compose stack, started as there (two server
    processes), the API then loaded with 64 requests from 16 clients at once: each
    process's connections, counted by PostgreSQL by its application name, stay within
    its budget."""
    env = server_environment(fresh_postgres.database.url, production=False)
    budget = connection_budget(fresh_postgres.model_copy(update={"pool_size": 5}))
    env["BOLASHAK_POOL_SIZE"] = "5"  # the default, as in the stack
    port = free_port()
    kinds = {
        "serve": ["serve", "--port", str(port), "--workers", "2", "--no-workers-in-process"],
        "projections run": ["projections", "run"],
        "deadlines run": ["deadlines", "run", "--interval", "300"],
        "audit checkpoint": ["audit", "checkpoint", "--follow", "--interval", "300"],
    }
    processes = [
        ManagedProcess.start(
            kind.replace(" ", "-"),
            [*bolashak_command(), *args],
            {**env, "PGAPPNAME": kind},
            tmp_path,
        )
        for kind, args in kinds.items()
    ]
    try:
        url = f"http://127.0.0.1:{port}/graphql"
        wait_for(url)
        token = minted(env, tmp_path)
        with ThreadPoolExecutor(16) as pool:
            statuses = set(pool.map(lambda n: load(url, token, n), range(64)))
        assert statuses == {200}
        held = connections(fresh_postgres)
    finally:
        stop_together(processes)
    allowed = {kind: budget[kind] * (2 if kind == "serve" else 1) for kind in kinds}
    assert {kind: held.get(kind, 0) for kind in kinds if held.get(kind, 0) > allowed[kind]} == {}
    assert all(held.get(kind, 0) >= 1 for kind in kinds), held  # the control: counted by name


def wait_for(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url.replace("/graphql", "/health"), timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail("the server did not start")


def minted(env: dict[str, str], folder: Path) -> str:
    args = [*bolashak_command(), "token", "--role", "officer", "--user", "officer-1"]
    done = subprocess.run(args, env=env, cwd=folder, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def load(url: str, token: str, n: int) -> int:
    headers = {"authorization": f"Bearer {token}"}
    sent: dict[str, Any]
    if n % 2:
        sent = {"query": CASES}
    else:
        sent = {
            "query": document("submitApplication"),
            "variables": {"input": submission(f"load-{n}-{uuid4().hex}")},
        }
    return httpx.post(url, json=sent, headers=headers, timeout=30).status_code


def connections(settings: Settings) -> dict[str, int]:
    with closing(psycopg.connect(settings.database.dsn("postgres"))) as conn:
        rows = conn.execute(
            "SELECT application_name, count(*) FROM pg_stat_activity WHERE datname = %s GROUP BY 1",
            (settings.database.dbname,),
        ).fetchall()
    return {str(name): int(count) for name, count in rows}
