"""The API server killed (SIGKILL) at random points while clients send mutations with
idempotency keys and resend on a dropped connection: the store ends with exactly what an
uninterrupted run stores, and the read models equal a rebuild."""

from __future__ import annotations

import random

from infra.settings import Settings
from tests.faults.conftest import (
    Workers,
    assert_versions_contiguous,
    fault_trials,
    stored_log,
    wait_for_read_models,
)
from tests.faults.workload import run_trials, uninterrupted_log

TRIALS = fault_trials(2)


def test_api_killed_at_random_points_stores_what_an_uninterrupted_run_stores(
    fresh_postgres: Settings, workers: Workers, fault_rng: random.Random
) -> None:
    workers.serve()
    workers.follow_log()

    def kill_the_server() -> None:
        workers.kill("serve")
        workers.serve()

    killed = run_trials(workers, TRIALS, fault_rng, kill_the_server)
    wait_for_read_models(fresh_postgres)  # the projection worker has followed the kills
    workers.stop_all()
    print(f"{TRIALS} kills: {killed.resent} requests resent, {killed.replayed} of them replayed")
    assert killed.wrong == []
    assert killed.resent > 0, "no kill cut a request: the trial proved nothing"

    found = stored_log(fresh_postgres)
    assert_versions_contiguous(found)
    assert found == uninterrupted_log(TRIALS)
