"""The clients' workload of the kill trials: cases submitted and assessed through the API
by clients that resend each request (same idempotency key) until it is answered; the same
workload uninterrupted, on a database of its own, gives what the store should hold."""

from __future__ import annotations

import asyncio
import functools
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from api.auth import TokenKeys
from domain.case.meta import Role
from domain.service import application_id_for
from infra.database import drop_database, init_schema
from tests.e2e.conftest import SECRET
from tests.faults.conftest import StoredLog, Workers, stored_log
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

CLIENTS = 8
CASES_PER_TRIAL = 16


@dataclass
class Tally:
    answered: int = 0  # requests answered so far (read by the killer's thread)
    resent: int = 0  # requests sent again after a kill cut their connection
    replayed: int = 0  # resent requests the server had stored before it died
    wrong: list[str] = field(default_factory=list)


def mutations(number: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """Case ``number``: its submission, then its eligibility assessment."""
    (package,) = submission_inputs(1, "kill", number)
    yield SUBMIT, package
    yield (
        ASSESS,
        {
            "applicationId": str(case_id(number)),
            "idempotencyKey": f"assess-{number}",
            "occurredOn": (CLOSING_DAY + timedelta(days=3)).isoformat(),
        },
    )


def case_id(number: int) -> str:
    return str(application_id_for(f"kill-{number}"))


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
                    tally.answered += 1
                    tally.resent += answer.retries > 0
                    if answer.status != 200 or b'"CaseUpdated"' not in answer.body:
                        tally.wrong.append(f"{answer.status}: {answer.body[:300]!r}")
                    elif answer.retries and b'"replayed":true' in answer.body:
                        tally.replayed += 1
        finally:
            client.close()

    await asyncio.gather(*(one_client() for _ in range(CLIENTS)))


def run_trials(
    workers: Workers,
    trials: int,
    rng: random.Random | None = None,
    kill: Callable[[], None] = lambda: None,
) -> Tally:
    """``trials`` rounds of CASES_PER_TRIAL cases against the running server; with ``rng``,
    ``kill`` runs in each round once a random number of its requests is answered, while at
    least CLIENTS of them are still to come (so every kill meets requests in flight; a
    moment drawn by the clock alone fell after the round on a fast machine), and starts
    again what it killed."""
    tally = Tally()
    requests = CASES_PER_TRIAL * len(list(mutations(0)))
    for trial in range(trials):
        cases = range(trial * CASES_PER_TRIAL, (trial + 1) * CASES_PER_TRIAL)
        clients = ClientsThread(intake(workers.url, cases, tally))
        clients.start()
        if rng is not None:
            target = tally.answered + rng.randint(1, requests - CLIENTS)
            while tally.answered < target and clients.is_alive():
                time.sleep(0.001)
            kill()
        clients.result(120)
    return tally


@functools.cache
def uninterrupted_log(trials: int) -> StoredLog:
    """What the workload stores when nothing is killed (a database of its own; run once
    per session for each number of trials)."""
    folder = Path(tempfile.mkdtemp(prefix="bolashak-reference-"))
    reference = new_postgres_settings("bolashak_reference")
    init_schema(reference)
    try:
        workers = Workers(reference, folder)
        try:
            workers.serve()
            assert run_trials(workers, trials).wrong == []
        finally:
            workers.stop_all()
        return stored_log(reference)
    finally:
        drop_database(reference.database)
        shutil.rmtree(folder, ignore_errors=True)
