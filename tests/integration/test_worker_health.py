"""``bolashak health --worker NAME``, run as the compose file's health checks run it.

Exit 0 while the worker keeps up, 1 with a one-line reason when it does not, whatever the
reason (Docker reserves every other code): the followers of the log by their lag, the
periodic workers by the age and outcome of their last round.

A store that does not answer and the projections' lag are checked on the real process
(``health``); the other checks run the same command in this process (``health_here``,
``tests/support/cli.py``), which answers with the same status and lines without the second
each process takes to start.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest

from infra import example_consumer, worker_runs
from infra.container import view_database
from infra.relay import tracking as relay_tracking
from infra.settings import Settings
from tests.integration.test_health import a_case
from tests.support.cli import bolashak_ran
from tests.support.read_models import catch_up

BOLASHAK = str(Path(sys.executable).parent / "bolashak")


def health(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """``bolashak health ARGS`` in a process of its own, as the compose file runs it."""
    env = {**os.environ, "BOLASHAK_DATABASE_URL": settings.database.url, "COLUMNS": "200"}
    env.pop("BOLASHAK_READY_MAX_LAG", None)
    return subprocess.run(
        [BOLASHAK, "health", *args], env=env, capture_output=True, text=True, timeout=120
    )


def health_here(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """The same command run in this process: its exit status and output as ``health``
    gives them (an exception it lets out is raised, tests/support/cli.py)."""
    env = {"BOLASHAK_DATABASE_URL": settings.database.url, "COLUMNS": "200"}
    return bolashak_ran(["health", *args], {**env, "BOLASHAK_READY_MAX_LAG": None})


def assert_unhealthy(result: subprocess.CompletedProcess[str], reason: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert reason in result.stderr


def test_projections_are_healthy_within_the_lag(fresh_store: Settings) -> None:
    a_case(fresh_store)
    assert_unhealthy(health(fresh_store, "--worker", "projections", "--max-lag", "0"), "lags")
    assert health(fresh_store, "--worker", "projections").returncode == 0  # the setting's 10,000
    catch_up(fresh_store)
    done = health(fresh_store, "--worker", "projections", "--max-lag", "0")
    assert (done.returncode, done.stdout.strip()) == (0, "projections: healthy")


def test_the_relay_is_healthy_within_the_lag(sqlite_settings: Settings) -> None:
    a_case(sqlite_settings)
    with closing(view_database(sqlite_settings)) as db:
        relay_tracking.reset(db, relay_tracking.name_for("bolashak.application-events"), 0)
    found = health_here(sqlite_settings, "--worker", "relay", "--max-lag", "0")
    assert_unhealthy(found, "relay:bolashak.application-events lags")
    assert health_here(sqlite_settings, "--worker", "relay", "--max-lag", "100").returncode == 0


@pytest.mark.parametrize("worker", ["deadlines", "checkpoints", "intake"])
def test_a_periodic_worker_is_healthy_while_its_last_round_is_recent_and_ok(
    sqlite_settings: Settings, worker: str
) -> None:
    assert_unhealthy(health_here(sqlite_settings, "--worker", worker), "no round recorded yet")
    with closing(view_database(sqlite_settings)) as db:
        worker_runs.record(db, worker, ok=True, outcome="done")
        assert health_here(sqlite_settings, "--worker", worker).returncode == 0
        db.query("UPDATE worker_runs SET finished_at = '2020-01-01T00:00:00+00:00'")
        assert_unhealthy(health_here(sqlite_settings, "--worker", worker), "last round")
        worker_runs.record(db, worker, ok=False, outcome="failed: OperationalError")
    assert_unhealthy(health_here(sqlite_settings, "--worker", worker), "failed: OperationalError")


def test_the_deadline_job_records_its_rounds(sqlite_settings: Settings) -> None:
    env = {**os.environ, "BOLASHAK_DATABASE_URL": sqlite_settings.database.url}
    ran = subprocess.run(
        [BOLASHAK, "deadlines", "run", "--once"], env=env, capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr
    assert health_here(sqlite_settings, "--worker", "deadlines").returncode == 0
    with closing(view_database(sqlite_settings)) as db:
        last = worker_runs.last(db, worker_runs.DEADLINES)
    assert last is not None
    assert last.outcome == "revoked 0, already revoked 0, refused 0"


def test_a_store_that_does_not_answer_is_unhealthy_not_an_error() -> None:
    gone = Settings.from_env({"BOLASHAK_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"})
    workers = ("projections", "relay", "deadlines", "checkpoints", "consumer", "intake")
    # each process waits 3 s for a connection before it answers: the six wait at once
    with ThreadPoolExecutor(len(workers)) as pool:
        answers = list(pool.map(lambda worker: health(gone, "--worker", worker), workers))
    for answer in answers:
        assert_unhealthy(answer, "OperationalError")


def test_an_unknown_worker_is_a_usage_error(sqlite_settings: Settings) -> None:
    found = health_here(sqlite_settings, "--worker", "nobody")
    assert found.returncode == 2
    assert "projections" in found.stderr


def test_the_example_consumer_is_healthy_once_its_store_has_its_tables(
    sqlite_settings: Settings,
) -> None:
    assert_unhealthy(health_here(sqlite_settings, "--worker", "consumer"), "the consumer's store")
    with closing(view_database(sqlite_settings)) as db, db.transaction() as cur:
        for ddl in example_consumer.TABLES:
            cur.execute(ddl)
    assert health_here(sqlite_settings, "--worker", "consumer").returncode == 0
