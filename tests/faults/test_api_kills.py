"""The API server killed (SIGKILL) at random points while clients send mutations with
idempotency keys and resend on a dropped connection: the store ends with exactly what an
uninterrupted run stores, and the read models equal a rebuild."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from api.auth import TokenKeys
from domain.case.meta import Role
from domain.service import application_id_for
from infra.database import drop_database, init_schema
from infra.settings import Settings
from tests.e2e.conftest import SECRET
from tests.faults.conftest import (
    Workers,
    assert_versions_contiguous,
    fault_trials,
    stored_log,
    wait_for_read_models,
)
from tests.integration.conftest import new_postgres_settings
from tests.support.graphql_client import (
    ASSESS,
    CLOSING_DAY,
    SUBMIT,
    ClientsThread,
    PersistentClient,
    auth_headers,
    submission_inputs,
)

pytestmark = pytest.mark.integration

CLIENTS = 8
CASES_PER_TRIAL = 24
TRIALS = fault_trials(3)


@dataclass
class Tally:
    resent: int = 0  # requests sent again after the kill cut their connection
    replayed: int = 0  # resent requests the server had stored before it died
    wrong: list[str] = field(default_factory=list)


def mutations(number: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """Case ``number``: its submission, then its eligibility assessment."""
    (package,) = submission_inputs(1, "kill", number)
    yield SUBMIT, package
    application = application_id_for(package["idempotencyKey"])
    yield (
        ASSESS,
        {
            "applicationId": str(application),
            "idempotencyKey": f"assess-{number}",
            "occurredOn": (CLOSING_DAY + timedelta(days=3)).isoformat(),
        },
    )


async def intake(url: str, cases: range, tally: Tally) -> None:
    """CLIENTS clients share the cases; each resends a request until it is answered."""
    headers = auth_headers(TokenKeys(SECRET).mint("officer-1", Role.OFFICER))
    queue = iter(cases)

    async def one_client() -> None:
        client = PersistentClient(url, headers)
        try:
            for number in queue:
                for query, variables in mutations(number):
                    answer = await client.send(query, {"input": variables})
                    tally.resent += answer.retries > 0
                    if answer.status != 200 or b'"CaseUpdated"' not in answer.body:
                        tally.wrong.append(f"{answer.status}: {answer.body[:300]!r}")
                    elif answer.retries and b'"replayed":true' in answer.body:
                        tally.replayed += 1
        finally:
            client.close()

    await asyncio.gather(*(one_client() for _ in range(CLIENTS)))


def run_trials(workers: Workers, rng: random.Random | None, trials: int) -> Tally:
    """``trials`` rounds of CASES_PER_TRIAL cases; with ``rng``, the server is killed at a
    random moment of each round and started again."""
    tally = Tally()
    workers.serve()
    workers.follow_log()
    for trial in range(trials):
        cases = range(trial * CASES_PER_TRIAL, (trial + 1) * CASES_PER_TRIAL)
        clients = ClientsThread(intake(workers.url, cases, tally))
        clients.start()
        if rng is not None:
            clients.join(rng.uniform(0.05, 1.0))
            workers.kill("serve")
            workers.serve()
        clients.result(120)
    return tally


def test_api_killed_at_random_points_stores_what_an_uninterrupted_run_stores(
    fresh_postgres: Settings, workers: Workers, fault_rng: random.Random, tmp_path: Path
) -> None:
    started = time.monotonic()
    killed = run_trials(workers, fault_rng, TRIALS)
    wait_for_read_models(fresh_postgres)  # the projection worker has followed the kills
    workers.stop_all()
    print(f"killed run: {time.monotonic() - started:.1f}s")
    print(f"{TRIALS} kills: {killed.resent} requests resent, {killed.replayed} of them replayed")
    assert killed.wrong == []
    assert killed.resent > 0, "no kill cut a request: the trial proved nothing"

    reference = new_postgres_settings("bolashak_reference")
    init_schema(reference)
    try:
        uninterrupted = Workers(reference, tmp_path / "reference")
        try:
            assert run_trials(uninterrupted, None, TRIALS).wrong == []
        finally:
            uninterrupted.stop_all()
        expected = stored_log(reference)
        print(f"with the reference run: {time.monotonic() - started:.1f}s")
    finally:
        drop_database(reference.database)
    found = stored_log(fresh_postgres)
    assert_versions_contiguous(found)
    assert found == expected
