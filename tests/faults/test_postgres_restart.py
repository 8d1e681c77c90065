"""PostgreSQL stopped (fast, then immediate: a crash) and started again under load through
``bolashak serve``: while it is down every request gets a clean retryable error (no masked
500, no hang); afterwards the server and the projection worker carry on by themselves;
every acknowledged submission is stored exactly once and the read models equal a rebuild."""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from api.auth import TokenKeys
from domain.case.meta import Role
from domain.service import application_id_for
from infra.database import init_schema
from tests.e2e.conftest import SECRET
from tests.faults.conftest import (
    Workers,
    assert_versions_contiguous,
    stored_log,
    wait_for_read_models,
)
from tests.support.api import api_for
from tests.support.graphql_client import (
    SUBMIT,
    ClientsThread,
    PersistentClient,
    auth_headers,
    submission_inputs,
)
from tests.support.private_postgres import PrivatePostgres

DOWN_SECONDS = float(os.environ.get("POSTGRES_DOWN_SECONDS", "3"))
WRITERS, READERS = 4, 2
READ = "{ applications(first: 5) { edges { node { id stage } } } projectionStatus { lag } }"


@dataclass
class Load:
    stop: threading.Event = field(default_factory=threading.Event)
    acknowledged: list[str] = field(default_factory=list)  # idempotency keys
    answered_at: list[float] = field(default_factory=list)  # monotonic times of successes
    clients: list[PersistentClient] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)  # anything but success or "retry"

    def retryable(self, path: str = "") -> list[tuple[int, bytes]]:
        """The "retry" answers so far (to requests for ``path``, e.g. submitApplication)."""
        found = [answer for client in self.clients for answer in client.retried]
        return [(s, b) for s, b in found if path.encode() in b]


async def run_load(url: str, load: Load) -> None:
    headers = auth_headers(TokenKeys(SECRET).mint("officer-1", Role.OFFICER))
    numbers = itertools.count()

    async def writer() -> None:
        client = PersistentClient(url, headers, patience=120, answer_timeout=15)
        load.clients.append(client)
        try:
            while not load.stop.is_set():
                (package,) = submission_inputs(1, "restart", next(numbers))
                answer = await client.send(SUBMIT, {"input": package})
                if answer.status == 200 and b'"CaseUpdated"' in answer.body:
                    load.acknowledged.append(package["idempotencyKey"])
                    load.answered_at.append(time.monotonic())
                else:
                    load.wrong.append(f"submission {answer.status}: {answer.body[:300]!r}")
        finally:
            client.close()

    async def reader() -> None:
        client = PersistentClient(url, headers, patience=120, answer_timeout=15)
        load.clients.append(client)
        try:
            while not load.stop.is_set():
                answer = await client.send(READ, {})
                if answer.status != 200 or "errors" in orjson.loads(answer.body):
                    load.wrong.append(f"query {answer.status}: {answer.body[:300]!r}")
                await asyncio.sleep(0.05)
        finally:
            client.close()

    await asyncio.gather(*(writer() for _ in range(WRITERS)), *(reader() for _ in range(READERS)))


def test_postgres_restarted_under_load_gives_retryable_errors_and_loses_nothing(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    settings = private_postgres.settings()
    init_schema(settings)
    workers = Workers(settings, tmp_path / "processes")
    load = Load()
    try:
        workers.serve()
        workers.follow_log()
        clients = ClientsThread(run_load(workers.url, load))
        clients.start()
        for mode in ("fast", "immediate"):
            time.sleep(1.0)
            private_postgres.stop(mode)
            down = len(load.retryable())
            time.sleep(DOWN_SECONDS)
            private_postgres.start()
            restarted = time.monotonic()
            deadline = restarted + 60
            while not any(t > restarted for t in load.answered_at[-WRITERS:]):
                if not clients.is_alive():
                    clients.result(0)  # raises what ended the clients
                assert time.monotonic() < deadline, (
                    f"no recovery after {mode}\n{workers.output()[-3000:]}\n"
                    + private_postgres.log.read_text(errors="replace")[-3000:]
                )
                time.sleep(0.2)
            print(f"{mode} stop: {len(load.retryable()) - down} retryable answers meanwhile")
        load.stop.set()
        clients.result(150)
        assert workers.running["serve"].alive(), workers.output()
        assert workers.running["projections"].alive(), workers.output()
        wait_for_read_models(settings)  # the projection worker carried on by itself
    finally:
        load.stop.set()
        workers.stop_all()

    print(
        f"{len(load.acknowledged)} submissions acknowledged; retryable answers:"
        f" {len(load.retryable('submitApplication'))} to submissions,"
        f" {len(load.retryable())} in all"
    )
    assert load.wrong == []
    assert all(status == 503 for status, _ in load.retryable())
    assert load.retryable(), "no request met the outage: the trial proved nothing"
    log = stored_log(settings)
    assert_versions_contiguous(log)
    assert sorted(log) == sorted(str(application_id_for(k)) for k in load.acknowledged)
    assert all(len(events) == 1 for events in log.values())


def test_while_postgres_is_down_a_query_and_a_mutation_answer_503_retry_after(
    private_postgres: PrivatePostgres,
) -> None:
    settings = private_postgres.settings()
    init_schema(settings)
    with api_for(settings) as api:
        private_postgres.stop("fast")
        (package,) = submission_inputs(1, "down")
        for query, variables in ((READ, {}), (SUBMIT, {"input": package})):
            response = api.post(query, variables)
            assert response.status_code == 503
            assert response.headers["retry-after"] == "2"
            codes = {e["extensions"]["code"] for e in response.json()["errors"]}
            assert codes == {"UNAVAILABLE"}
        private_postgres.start()
    assert stored_log(settings) == {}
