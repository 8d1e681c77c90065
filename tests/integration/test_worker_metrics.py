"""The workers that run as their own processes (``projections run``, ``deadlines run``,
``relay``, ``intake``) serve their own ``/metrics`` on ``BOLASHAK_METRICS_PORT``, and log
JSON lines with their startup line (issue 20, section 1; issue 23, section 3): each is
started as an operator starts it, on a store with a small demo campaign (the intake on
an empty one, with messages waiting on its topic)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.e2e.conftest import ManagedProcess, free_port
from tests.support.broker import Tansu
from tests.support.cli import copy_of_store
from tests.support.intake import (
    Message,
    data_of,
    intake_env,
    package,
    send,
    structured,
    with_intake,
)

BOLASHAK = str(Path(sys.executable).parent / "bolashak")
WAIT_SECONDS = 30.0


def operator_env(database_url: str) -> dict[str, str]:
    env = {**os.environ, "BOLASHAK_DATABASE_URL": database_url}
    env.pop("BOLASHAK_METRICS_PORT", None)
    return env


@pytest.fixture(scope="module")
def demo_made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with a small demo campaign, made once for the module as an operator makes
    one (``db init``, then ``demo``: two processes that cost each test 2.4 s)."""
    made = tmp_path_factory.mktemp("demo") / "cases.db"
    env = operator_env(f"sqlite:///{made}")
    for args in (["db", "init"], ["demo", "--applications", "8"]):
        done = subprocess.run([BOLASHAK, *args], env=env, capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
    return made


@pytest.fixture
def demo_store(demo_made: Path, tmp_path: Path) -> dict[str, str]:
    """The environment of a worker on a copy of the demo store of the test's own."""
    return operator_env(copy_of_store(demo_made, tmp_path))


@pytest.fixture
def started() -> Iterator[list[ManagedProcess]]:
    processes: list[ManagedProcess] = []
    yield processes
    for process in processes:
        process.stop()


def scraped_until(port: int, pattern: str, process: ManagedProcess) -> str:
    """The worker's /metrics once ``pattern`` appears in it."""
    deadline = time.monotonic() + WAIT_SECONDS
    text = ""
    while time.monotonic() < deadline:
        assert process.alive(), process.output()
        try:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
        except httpx.TransportError:
            text = ""
        if re.search(pattern, text, re.MULTILINE):
            return text
        time.sleep(0.2)
    pytest.fail(f"/metrics never showed {pattern!r}:\n{text}\n{process.output()}")


def startup_line(process: ManagedProcess) -> dict[str, object]:
    for line in process.stderr.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["event"] == "starting":
            return dict(record)
    pytest.fail(f"no startup line:\n{process.output()}")


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (
            ["projections", "run"],
            r'^bolashak_projection_lag_events\{projection="case_list"\} 0\.0$',
        ),
        (
            ["deadlines", "run", "--interval", "1"],
            r'^bolashak_deadline_job_runs_total\{outcome="ok"\} [1-9]',
        ),
    ],
    ids=["projections", "deadlines"],
)
def test_a_worker_serves_its_metrics_on_the_configured_port(
    demo_store: dict[str, str],
    started: list[ManagedProcess],
    tmp_path: Path,
    args: list[str],
    pattern: str,
) -> None:
    port = free_port()
    env = {**demo_store, "BOLASHAK_METRICS_PORT": str(port), "BOLASHAK_LOG_FORMAT": "json"}
    worker = ManagedProcess.start(args[0], [BOLASHAK, *args], env, tmp_path / "run")
    started.append(worker)
    scraped_until(port, pattern, worker)
    line = startup_line(worker)
    assert (line["component"], line["metrics_port"]) == (args[0], port)


def test_the_relay_serves_its_lag_and_published_count(
    demo_store: dict[str, str], broker: Tansu, started: list[ManagedProcess], tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **demo_store,
        "BOLASHAK_METRICS_PORT": str(port),
        "BOLASHAK_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "BOLASHAK_KAFKA_TOPIC": "metrics-cases",
    }
    relay = ManagedProcess.start("relay", [BOLASHAK, "relay"], env, tmp_path / "run")
    started.append(relay)
    text = scraped_until(port, r'^bolashak_relay_lag_events\{topic="metrics-cases"\} 0\.0$', relay)
    published = re.search(
        r'^bolashak_relay_published_events_total\{topic="metrics-cases"\} (\d+)', text, re.M
    )
    assert published is not None, text
    assert int(published.group(1)) > 8, text


def test_the_intake_counts_a_stored_a_duplicate_and_a_poison_message(
    sqlite_settings: Settings, broker: Tansu, started: list[ManagedProcess], tmp_path: Path
) -> None:
    settings = with_intake(sqlite_settings, broker.bootstrap)
    topic = settings.kafka.intake_topic
    first = structured(f"egov-{topic}-1", data_of(package(1)))
    send(settings.kafka, [first, first, Message(b"not json at all", [], b"x")])
    port = free_port()
    env = {
        **os.environ,
        **intake_env(settings),
        "BOLASHAK_DATABASE_URL": settings.database.url,
        "BOLASHAK_METRICS_PORT": str(port),
        "BOLASHAK_TODAY": FAR_FUTURE.isoformat(),
    }
    intake = ManagedProcess.start("intake", [BOLASHAK, "intake"], env, tmp_path / "run")
    started.append(intake)

    for series in (
        f'bolashak_intake_stored_applications_total{{topic="{topic}"}} 1.0',
        f'bolashak_intake_duplicate_messages_total{{topic="{topic}"}} 1.0',
        f'bolashak_intake_dead_letters_total{{kind="malformed",topic="{topic}"}} 1.0',
    ):
        text = scraped_until(port, f"^{re.escape(series)}$", intake)

    assert f'bolashak_intake_received_messages_total{{topic="{topic}"}} 3.0' in text
    assert f'bolashak_intake_dead_letters_total{{kind="refused",topic="{topic}"}} 0.0' in text
