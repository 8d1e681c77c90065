"""A projection worker killed (SIGKILL) at random points and restarted ends with exactly the
rows of an uninterrupted run: nothing skipped, nothing counted twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from domain.clock import FixedClock
from infra.container import build_projection_engine, build_service
from infra.settings import Settings
from infra.simulation.campaign import simulate_campaign
from tests.support.read_models import database_snapshot, fold_snapshot

BOLASHAK = str(Path(sys.executable).parent / "bolashak")
TRIALS = int(os.environ.get("BOLASHAK_CRASH_TRIALS", "6"))
SEED = int(os.environ.get("BOLASHAK_CRASH_SEED", str(random.SystemRandom().randrange(10**6))))


def start_worker(store: Settings, page_size: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BOLASHAK_DATABASE_URL": store.database.url}
    return subprocess.Popen(
        [BOLASHAK, "projections", "run", "--page-size", str(page_size)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def wait_until_following(worker: subprocess.Popen[bytes]) -> None:
    """Blocks until the worker says it follows the log (its signal handlers are set)."""
    assert worker.stdout is not None
    assert b"following the event log" in worker.stdout.readline()


def test_a_worker_killed_at_random_points_ends_with_the_uninterrupted_rows(
    fresh_postgres: Settings,
) -> None:
    print(f"crash trials: {TRIALS}, seed {SEED} (BOLASHAK_CRASH_SEED={SEED} to replay)")
    rng = random.Random(SEED)
    service = build_service(fresh_postgres, clock=FixedClock(date(2026, 11, 22)))
    engine = build_projection_engine(fresh_postgres)
    cut_short = 0  # kills that left the worker part way through the log
    for trial in range(TRIALS):
        simulate_campaign(service, 60, seed=trial, today=date(2026, 11, 22))
        worker = start_worker(fresh_postgres, page_size=rng.randint(2, 9))
        wait_until_following(worker)
        time.sleep(rng.uniform(0.0, 0.3))
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        cut_short += any(0 < s.lag < s.head for s in engine.status())
    print(f"{cut_short} of {TRIALS} kills hit a worker part way through the log")
    assert cut_short > 0, "no kill interrupted the worker: the trial proved nothing"
    survivor = start_worker(fresh_postgres, page_size=50)
    wait_until_following(survivor)
    deadline = time.monotonic() + 120
    while any(s.lag for s in engine.status()) and time.monotonic() < deadline:
        time.sleep(0.2)
    survivor.send_signal(signal.SIGTERM)
    assert survivor.wait(timeout=30) == 0
    assert [s.lag for s in engine.status()] == [0] * len(engine.projections)
    assert database_snapshot(engine) == fold_snapshot(engine)
    service.close()
