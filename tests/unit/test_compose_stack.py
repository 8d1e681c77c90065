"""docker-compose.yml cannot run here (no Docker engine), so what can be checked without
one is checked: every command it runs exists, and its settings parse (issue 5)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from api.cli.main import app
from infra.container import connection_budget
from infra.settings import Settings

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def services() -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    return found


def bolashak_commands() -> list[tuple[str, list[str]]]:
    found = []
    for name, service in services().items():
        command = service.get("command") or []
        if command[:1] == ["bolashak"]:
            found.append((name, command[1:]))
        health = (service.get("healthcheck") or {}).get("test") or []
        if health[:1] == ["CMD-SHELL"] and health[1].startswith("bolashak "):
            found.append((f"{name} health", shlex.split(health[1])[1:]))
    return found


@pytest.mark.parametrize(("service", "args"), bolashak_commands())
def test_every_command_the_stack_runs_exists(service: str, args: list[str]) -> None:
    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0, f"{service}: bolashak {' '.join(args)}: {result.output}"


def test_the_stack_runs_api_workers_deadlines_and_relay_on_kafka_and_postgres() -> None:
    found = services()
    assert {"postgres", "kafka", "migrate", "api", "projections", "deadlines", "relay"} <= set(
        found
    )
    assert found["kafka"]["image"].startswith("apache/kafka:")
    assert found["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    for name in ("api", "projections", "relay", "postgres", "kafka"):
        assert "healthcheck" in found[name], name


def compose_default(value: str) -> str:
    """``${NAME:-default}`` as compose reads it when NAME is not set: the default."""
    found = re.fullmatch(r"\$\{[A-Z_]+:-(.*)\}", value)
    return found.group(1) if found else value


@pytest.mark.parametrize("service", ["api", "projections", "deadlines", "relay", "consumer"])
def test_each_service_settings_parse(service: str) -> None:
    env = {k: compose_default(str(v)) for k, v in services()[service]["environment"].items()}
    settings = Settings.from_env(env)
    assert settings.database.kind == "postgres"
    assert settings.kafka.require_servers() == ["kafka:9092"]


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
        env = {k: compose_default(str(v)) for k, v in service["environment"].items()}
        budget = connection_budget(Settings.from_env(env))
        kind = next(k for k in budget if command[1 : 1 + len(k.split())] == k.split())
        workers = int(command[command.index("--workers") + 1]) if "--workers" in command else 1
        total[name] = budget[kind] * workers
    assert set(total) == {"api", "projections", "deadlines", "checkpoints", "relay", "consumer"}
    assert sum(total.values()) <= POSTGRES_MAX_CONNECTIONS // 2, total
