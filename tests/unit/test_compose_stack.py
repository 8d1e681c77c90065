"""docker-compose.yml as a real Compose implementation reads it (issues 5 and 20).

No Docker engine runs here, but ``docker-compose config`` (Debian's package, installed by
``make compose``) needs none: it validates the file against the Compose schema,
interpolates the variables (refusing a required one that is not set), merges the
anchors and the profiles, and prints the file every service would run with. What that
resolved file promises is checked: secrets required, ports on 127.0.0.1, one image, the
broker's data on a volume, a health check that means something on every long-running
service, the commands and settings each service runs with.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from api.cli.main import app
from infra.container import connection_budget
from infra.settings import Settings, SettingsError
from tests.conftest import TEST_PII_MASTER_KEY

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
PROFILES = ("demo", "consumer", "monitoring")
SECRETS = {
    "POSTGRES_PASSWORD": "a-password-of-the-operators-own",
    "BOLASHAK_JWT_SECRET": "an-operators-own-secret-" + "k" * 30,
    "BOLASHAK_PII_MASTER_KEY": TEST_PII_MASTER_KEY,
}
APP_SERVICES = {"migrate", "api", "projections", "deadlines", "checkpoints", "relay", "intake"}


def compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``docker-compose -f docker-compose.yml ARGS`` with only ``env`` (and PATH) set."""
    tool = shutil.which("docker-compose")
    if tool is None:
        message = "docker-compose is not installed (make compose installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return subprocess.run(
        [tool, "--project-directory", str(ROOT), "-f", str(COMPOSE), *args],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@cache
def resolved() -> dict[str, Any]:
    """The file as Compose runs it, every profile on, with the secrets set."""
    profiles = [arg for p in PROFILES for arg in ("--profile", p)]
    found = compose(*profiles, "config", env=SECRETS)
    assert found.returncode == 0, found.stderr
    config: dict[str, Any] = yaml.safe_load(found.stdout)
    return config


def services() -> dict[str, Any]:
    found: dict[str, Any] = resolved()["services"]
    return found


def env_of(service: str) -> dict[str, str]:
    return {k: str(v) for k, v in services()[service]["environment"].items()}


# -- secrets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", list(SECRETS))
def test_config_fails_naming_a_required_secret_that_is_not_set(secret: str) -> None:
    found = compose("config", env={k: v for k, v in SECRETS.items() if k != secret})
    assert found.returncode != 0
    assert f"set {secret}" in found.stderr, found.stderr


def test_no_secret_has_a_default_in_the_file() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert f"${{{secret}:-" not in text, secret
        assert f"${{{secret}:?" in text, secret


@pytest.mark.parametrize(
    "service", ["api", "projections", "deadlines", "relay", "consumer", "intake"]
)
def test_each_service_settings_parse_and_are_production(service: str) -> None:
    settings = Settings.from_env(env_of(service))
    assert settings.production
    assert settings.database.kind == "postgres"
    assert settings.database.password == SECRETS["POSTGRES_PASSWORD"]
    assert settings.kafka.require_servers() == ["kafka:9092"]


def test_the_published_development_defaults_are_refused_by_every_service() -> None:
    """The file's former defaults, set as an operator who copied them would: production
    mode stops, naming the setting."""
    published = {
        "POSTGRES_PASSWORD": "bolashak",
        "BOLASHAK_JWT_SECRET": "change-me-local-compose-only-0123456789abcdef",
        "BOLASHAK_PII_MASTER_KEY": "9c6L8mb9G96RiOgS6iPg1tm+xrW6RqFuJZ3dYxrRpe4=",
    }
    for secret, value in published.items():
        found = compose("config", env={**SECRETS, secret: value})
        assert found.returncode == 0, found.stderr
        env = yaml.safe_load(found.stdout)["services"]["api"]["environment"]
        setting = "BOLASHAK_DATABASE_URL" if secret == "POSTGRES_PASSWORD" else secret
        with pytest.raises(SettingsError, match=f"^{setting} holds a development default"):
            Settings.from_env({k: str(v) for k, v in env.items()})


# -- ports, image, volumes -------------------------------------------------------------------


def test_every_published_port_is_bound_to_localhost_by_default() -> None:
    published = {
        name: service["ports"] for name, service in services().items() if service.get("ports")
    }
    assert set(published) == {"postgres", "kafka", "api", "prometheus"}
    for name, ports in published.items():
        for port in ports:
            assert str(port).startswith("127.0.0.1:"), (name, port)
    opened = compose("config", env={**SECRETS, "PUBLISH_ADDRESS": "0.0.0.0"})
    assert "0.0.0.0:8000:8000" in opened.stdout


def test_one_image_is_built_once_and_run_by_every_service_of_the_app() -> None:
    found = services()
    built = [name for name, service in found.items() if "build" in service]
    assert built == ["migrate"]
    image = found["migrate"]["image"]
    runs_it = {name for name, service in found.items() if service.get("image") == image}
    assert runs_it == APP_SERVICES | {"demo", "consumer"}
    for name in runs_it - {"migrate"}:
        assert found[name]["pull_policy"] == "never", name  # the built one, never a pull


def test_kafka_keeps_its_log_on_a_named_volume_its_user_may_write() -> None:
    found = services()
    kafka = found["kafka"]
    data = kafka["environment"]["KAFKA_LOG_DIRS"]
    assert f"kafka-data:{data}" in [_volume(v) for v in kafka["volumes"]]
    assert "kafka-data" in resolved()["volumes"]
    assert kafka["depends_on"]["kafka-volume"]["condition"] == "service_completed_successfully"
    owner = found["kafka-volume"]
    assert owner["image"] == kafka["image"]  # its user, by name, from the same image
    assert owner["user"] == "0"
    assert owner["entrypoint"] == ["chown", "-R", "appuser", data]
    assert f"kafka-data:{data}" in [_volume(v) for v in owner["volumes"]]
    assert str(kafka["environment"]["KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"]) == "0"


def _volume(entry: Any) -> str:
    """A volume entry, short or long syntax, as ``source:target``."""
    if isinstance(entry, str):
        return ":".join(entry.split(":")[:2])
    return f"{entry['source']}:{entry['target']}"


# -- health checks ---------------------------------------------------------------------------


def test_every_long_running_service_has_a_health_check_that_means_something() -> None:
    """One-off steps (restart "no": the schema, the volume's owner, the demo) are waited
    for by ``service_completed_successfully`` instead."""
    for name, service in services().items():
        if service.get("restart") == "no":
            continue
        test = (service.get("healthcheck") or {}).get("test") or []
        assert test[:1] in (["CMD"], ["CMD-SHELL"]), name
        assert not service["healthcheck"].get("disable"), name
    assert "/health/ready" in " ".join(services()["api"]["healthcheck"]["test"])
    for worker in ("projections", "deadlines", "checkpoints", "relay", "consumer", "intake"):
        test = services()[worker]["healthcheck"]["test"]
        assert test[1:5] == ["bolashak", "health", "--worker", worker], worker


def bolashak_commands() -> list[tuple[str, list[str]]]:
    """Every ``bolashak`` command line the stack runs: services and health checks."""
    found = []
    for name, service in services().items():
        command = service.get("command") or []
        if command[:1] == ["bolashak"]:
            found.append((name, command[1:]))
        health = (service.get("healthcheck") or {}).get("test") or []
        line = shlex.split(health[1]) if health[:1] == ["CMD-SHELL"] else health[1:]
        if line[:1] == ["bolashak"]:
            found.append((f"{name} health", line[1:]))
    return found


def test_every_command_the_stack_runs_exists() -> None:
    commands = bolashak_commands()
    assert len(commands) >= 12
    for service, args in commands:
        result = CliRunner().invoke(app, [*args, "--help"])
        assert result.exit_code == 0, f"{service}: bolashak {' '.join(args)}: {result.output}"


def test_the_stack_runs_api_workers_deadlines_and_relay_on_kafka_and_postgres() -> None:
    found = services()
    assert APP_SERVICES | {"postgres", "kafka"} <= set(found)
    assert found["kafka"]["image"].startswith("apache/kafka:")
    assert found["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"


# -- monitoring ------------------------------------------------------------------------------


def test_prometheus_runs_in_the_monitoring_profile_scraping_the_apis_metrics() -> None:
    prometheus = services()["prometheus"]
    assert prometheus["profiles"] == ["monitoring"]
    mounted = {_volume(v).split(":")[1]: _volume(v).split(":")[0] for v in prometheus["volumes"]}
    assert Path(mounted["/etc/prometheus"]) == ROOT / "ops" / "prometheus"
    assert "--config.file=/etc/prometheus/scrape.yml" in prometheus["command"]
    config_file = ROOT / "ops" / "prometheus" / "scrape.yml"
    scrape = yaml.safe_load(config_file.read_text(encoding="utf-8"))["scrape_configs"]
    targets = {job["job_name"]: job["static_configs"][0]["targets"] for job in scrape}
    api = next(job for job in scrape if job["job_name"] == "bolashak-api")
    assert api["metrics_path"] == "/metrics"
    port = services()["api"]["command"][services()["api"]["command"].index("--port") + 1]
    assert targets["bolashak-api"] == [f"api:{port}"]
    for worker in ("projections", "relay", "deadlines", "intake"):  # each its own /metrics
        served = services()[worker]["environment"]["BOLASHAK_METRICS_PORT"]
        assert targets[f"bolashak-{worker}"] == [f"{worker}:{served}"]


# -- connections -----------------------------------------------------------------------------

POSTGRES_MAX_CONNECTIONS = 100  # the image's default (the stack does not change it)


def test_the_stacks_connections_stay_well_under_postgres_max_connections() -> None:
    """Each long-running service's budget of PostgreSQL connections (with its own
    settings; ``infra.container.connection_budget``), times its processes, added up, the
    optional profiles included: at most half of ``max_connections``, leaving room for
    ``db init``, ``bolashak`` commands run by hand, backups and an operator's psql."""
    found = services()
    assert "max_connections" not in " ".join(found["postgres"].get("command") or [])
    total = {}
    for name, service in found.items():
        command = service.get("command") or []
        if command[:1] != ["bolashak"] or service.get("restart") == "no":
            continue  # not ours, or a one-off step (the schema, the demo's campaign)
        budget = connection_budget(Settings.from_env(env_of(name)))
        kind = next(k for k in budget if command[1 : 1 + len(k.split())] == k.split())
        workers = int(command[command.index("--workers") + 1]) if "--workers" in command else 1
        total[name] = budget[kind] * workers
    assert set(total) == {
        "api",
        "projections",
        "deadlines",
        "checkpoints",
        "relay",
        "consumer",
        "intake",
    }
    assert sum(total.values()) <= POSTGRES_MAX_CONNECTIONS // 2, total
