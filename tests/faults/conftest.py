"""Fault trials: real ``bolashak`` processes killed, restarted and starved of their
database, and what they stored compared with an uninterrupted run.

Seeds come from ``FAULT_SEED`` (printed for replay) and the number of trials from
``FAULT_TRIALS``; the defaults keep ``make test`` within its time.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from domain.case.meta import Role
from domain.clock import FixedClock
from infra.case_store import CaseService
from infra.container import build_projection_engine, build_service, register_users
from infra.settings import Settings
from tests.e2e.conftest import (
    LiveServer,
    ManagedProcess,
    ServerSpec,
    bolashak_command,
    free_port,
    server_environment,
    start_server,
    stop_together,
)
from tests.integration.conftest import (  # noqa: F401
    broker,
    durable_broker,
    fresh_postgres,
    postgres_unavailable,
)
from tests.support.private_postgres import PrivatePostgres, PrivatePostgresUnavailableError
from tests.support.read_models import database_snapshot, fold_snapshot

StoredLog = dict[str, list[tuple[int, str]]]
FAULT_USERS = {"officer-1": Role.OFFICER, "intake-officer": Role.OFFICER, "admin-1": Role.ADMIN}


def fault_trials(default: int) -> int:
    return int(os.environ.get("FAULT_TRIALS", str(default)))


@pytest.fixture
def fault_rng(request: pytest.FixtureRequest) -> random.Random:
    """The trial's random points, from ``FAULT_SEED`` or a fresh seed, printed for replay."""
    seed = int(os.environ.get("FAULT_SEED", str(random.SystemRandom().randrange(10**6))))
    print(f"{request.node.name}: seed {seed} (replay with FAULT_SEED={seed})")
    return random.Random(seed)


def stored_log(settings: Settings) -> StoredLog:
    """application id -> (version, event type) of every stored event, in log order."""
    service = build_service(settings, clock=FixedClock(date(2031, 1, 1)))
    try:
        return log_of(service)
    finally:
        service.close()


def log_of(service: CaseService) -> StoredLog:
    found: StoredLog = {}
    for n in service.recorder.select_notifications(start=1, limit=10**7):
        found.setdefault(str(n.originator_id), []).append((n.originator_version, n.topic))
    return found


def assert_versions_contiguous(log: StoredLog) -> None:
    for case, events in log.items():
        versions = [v for v, _ in events]
        assert versions == list(range(1, len(versions) + 1)), f"case {case}: {versions}"


def wait_for_read_models(settings: Settings, timeout: float = 120.0) -> None:
    """Until every projection has caught up with the log; then the rows must equal a
    rebuild (the plain fold over every stored event)."""
    engine = build_projection_engine(settings)
    try:
        deadline = time.monotonic() + timeout
        while any(s.lag for s in engine.status()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [s.lag for s in engine.status()] == [0] * len(engine.projections)
        assert database_snapshot(engine) == fold_snapshot(engine)
    finally:
        engine.db.close()


class Workers:
    """``bolashak serve`` and the worker commands on one database, each started, killed
    (SIGKILL) and started again on demand; stopped (SIGTERM) at the end."""

    def __init__(self, settings: Settings, folder: Path, env: dict[str, str] | None = None):
        register_users(settings, FAULT_USERS)  # the directory lets the trials' clients in
        self.env = env or server_environment(settings.database.url, production=False)
        self.folder = folder
        self.server = LiveServer(ServerSpec("postgres"), free_port())
        self.running: dict[str, ManagedProcess] = {}
        self.started = 0

    @property
    def url(self) -> str:
        return self.server.graphql_url

    def serve(self, *extra: str) -> ManagedProcess:
        process = start_server(
            self.server, self.env, self.folder, ["--no-workers-in-process", *extra]
        )
        self.running["serve"] = process
        return process

    def start(self, name: str, *args: str, ready: str = "") -> ManagedProcess:
        """Starts ``bolashak ARGS``; with ``ready``, waits until its output says so (a worker
        prints a line once it follows, its signal handlers set)."""
        self.started += 1
        process = ManagedProcess.start(
            f"{name}-{self.started}", [*bolashak_command(), *args], self.env, self.folder
        )
        self.server.processes.append(process)
        self.running[name] = process
        deadline = time.monotonic() + 60
        while ready and ready not in process.stdout.read_text():
            assert process.alive(), process.output()
            assert time.monotonic() < deadline, process.output()
            time.sleep(0.05)
        return process

    def follow_log(self) -> ManagedProcess:
        """The projection worker, once it follows the event log."""
        return self.start("projections", "projections", "run", ready="following the event log")

    def kill(self, name: str) -> None:
        process = self.running.pop(name).process
        process.kill()
        process.wait(30)

    def stop_all(self) -> None:
        stop_together(list(self.running.values()))
        self.running.clear()

    def output(self) -> str:
        return self.server.output()


@pytest.fixture
def workers(fresh_postgres: Settings, tmp_path: Path) -> Iterator[Workers]:  # noqa: F811
    made = Workers(fresh_postgres, tmp_path / "processes")
    yield made
    made.stop_all()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of the test's own, which it may stop and start."""
    try:
        cluster = PrivatePostgres().init()
    except PrivatePostgresUnavailableError as e:
        postgres_unavailable(str(e))
    yield cluster
    cluster.remove()
