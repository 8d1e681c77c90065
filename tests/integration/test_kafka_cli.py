"""``bolashak relay`` and ``bolashak consume`` as an operator runs them (issue 5)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.broker import Tansu
from tests.support.cli import copy_of_store
from tests.support.kafka import GROUP_TIMINGS, read_topic

BOLASHAK = str(Path(sys.executable).parent / "bolashak")


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BOLASHAK, *args],
        env={**os.environ, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store made once for the module, as an operator makes one (``db init``, then
    ``demo``): two processes that cost each test about 2.5 s."""
    made = tmp_path_factory.mktemp("demo") / "cases.db"
    env = {"BOLASHAK_DATABASE_URL": f"sqlite:///{made}"}
    assert run("db", "init", env=env).returncode == 0
    demo = run("demo", "--applications", "12", env=env)
    assert demo.returncode == 0, demo.stderr
    return made


@pytest.fixture
def demo_store(demo_made: Path, tmp_path: Path) -> dict[str, str]:
    """A copy of the demo store of its own (the relay's position starts at 0 in each)."""
    return {"BOLASHAK_DATABASE_URL": copy_of_store(demo_made, tmp_path)}


def test_relay_once_publishes_the_log_and_status_shows_no_lag(
    demo_store: dict[str, str], broker: Tansu
) -> None:
    env = {
        **demo_store,
        "BOLASHAK_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "BOLASHAK_KAFKA_TOPIC": "cli-cases",
        # the consumer joins its group in about 1 s, not 5 s (tests/support/kafka.py)
        "BOLASHAK_KAFKA_SESSION_TIMEOUT_MS": str(GROUP_TIMINGS["session_timeout_ms"]),
        "BOLASHAK_KAFKA_HEARTBEAT_INTERVAL_MS": str(GROUP_TIMINGS["heartbeat_interval_ms"]),
    }
    done = run("relay", "--once", env=env)
    assert done.returncode == 0, done.stderr
    assert "to cli-cases" in done.stdout
    published = int(done.stdout.split("published ")[1].split()[0])
    assert published > 12
    assert len(read_topic(broker.bootstrap, "cli-cases", at_least=published)) == published

    status = run("relay", "status", "--max-lag", "0", env=env)
    assert status.returncode == 0, status.stdout + status.stderr
    assert "cli-cases" in status.stdout

    consumed = run(
        "consume",
        "--idle-exit",
        "3",  # all was published before: three polls of a second find nothing more
        env={
            **env,
            "BOLASHAK_CONSUMER_DATABASE_URL": demo_store["BOLASHAK_DATABASE_URL"].replace(
                "cases.db", "downstream.db"
            ),
        },
    )
    assert consumed.returncode == 0, consumed.stderr
    assert f"applied {published}, duplicates dropped 0, rejected 0" in consumed.stdout


def test_relay_status_fails_a_health_check_while_behind(
    demo_store: dict[str, str], broker: Tansu
) -> None:
    env = {**demo_store, "BOLASHAK_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap}
    behind = run("relay", "status", "--max-lag", "0", env=env)
    assert behind.returncode == 1


def test_relay_without_a_broker_setting_is_refused_naming_it(demo_store: dict[str, str]) -> None:
    refused = run("relay", "--once", env=demo_store)
    assert refused.returncode == 2
    assert "BOLASHAK_KAFKA_BOOTSTRAP_SERVERS" in refused.stderr


def test_relay_reset_asks_for_confirmation_and_checks_the_position(
    demo_store: dict[str, str],
) -> None:
    assert run("relay", "reset", "--position", "0", env=demo_store).returncode == 2
    beyond = run("relay", "reset", "--position", "999999", "--yes", env=demo_store)
    assert beyond.returncode == 2
    assert "position" in beyond.stderr
    assert run("relay", "reset", "--position", "0", "--yes", env=demo_store).returncode == 0


def test_relay_schemas_command_checks_the_committed_files() -> None:
    checked = run("relay", "schemas", env={})
    assert checked.returncode == 0, checked.stderr
    assert "schemas match the events" in checked.stdout
