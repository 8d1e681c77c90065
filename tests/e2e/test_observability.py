"""What an operator sees of a real ``bolashak serve`` (issue 20, section 1): its JSON log
lines and their fields, no personal data or token in any of them, and ``/metrics`` in the
Prometheus format with every metric the alert rules and the dashboard use; the rules and
the scrape configuration pass ``promtool``.

One server (SQLite, development mode, ``BOLASHAK_LOG_LEVEL=debug`` so that every line
the code can write is written) serves the module: synthetic applicants are submitted and
assessed, read back by every query that shows a case, and one of them is erased.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.case.meta import Role
from infra.simulation.people import synthetic_applicant
from tests.e2e.conftest import (
    LiveServer,
    ServerSpec,
    free_port,
    server_environment,
    start_server,
)
from tests.support import builders as b
from tests.support.authz import needles
from tests.support.cpus import allowed_cpus
from tests.support.erasure import ERASE, QUERIES, Case, erase_input

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "ops" / "prometheus" / "alerts.yml"
RULE_TESTS = ROOT / "ops" / "prometheus" / "alerts.test.yml"
SCRAPE = ROOT / "ops" / "prometheus" / "scrape.yml"
DASHBOARD = ROOT / "ops" / "grafana" / "bolashak.json"
METRIC_NAME = re.compile(r"\bbolashak_[a-z_]+\b")
SUFFIXES = ("_bucket", "_sum", "_count", "_total")
REQUEST_FIELDS = {
    "method",
    "path",
    "operation",
    "status",
    "duration_ms",
    "user_id",
    "role",
    "request_id",
}
COMMAND_FIELDS = {"command", "case_id", "outcome", "events", "duration_ms"}
REQUESTS, SCRAPES = 20, 6


@dataclass
class Run:
    server: LiveServer
    cases: list[Case]
    tokens: list[str]

    def lines(self) -> list[str]:
        """Every line the server process wrote on stderr."""
        return self.server.processes[-1].stderr.read_text(encoding="utf-8").splitlines()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines()]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    folder = tmp_path_factory.mktemp("watched")
    server = LiveServer(ServerSpec(), free_port())
    env = server_environment(f"sqlite:///{folder}/cases.db", production=False)
    env.update(BOLASHAK_LOG_LEVEL="debug", BOLASHAK_LOG_FORMAT="json")
    server.database_url = env["BOLASHAK_DATABASE_URL"]
    tokens: list[str] = []

    def post(query: str, variables: dict[str, Any], role: Role) -> Any:
        token = server.token(role, f"{role.value}-1")
        tokens.append(token)
        sent = {"query": query, "variables": variables}
        headers = {"Authorization": f"Bearer {token}"}
        return server.http.post(server.graphql_url, json=sent, headers=headers).json()

    try:
        start_server(server, env, folder, [])
        cases = [Case(b.unique_applicant()), Case(synthetic_applicant(random.Random(2023)))]
        for case in cases:
            case.submit_and_assess(post)
        for case in cases:
            for label, query in QUERIES.items():
                answer = post(query, case.variables(label), Role.ADMIN)
                assert "errors" not in answer, answer
        erased = post(ERASE, {"input": erase_input(cases[0].id)}, Role.ADMIN)
        assert "errors" not in erased, erased
        yield Run(server, cases, tokens)
    finally:
        for process in reversed(server.processes):
            process.stop()


def test_every_line_is_a_json_object_with_time_level_logger_and_event(run: Run) -> None:
    records = run.records()
    assert records
    for record in records:
        assert {"ts", "level", "logger", "event"} <= set(record), record


def test_the_startup_line_names_version_store_and_settings_without_secrets(run: Run) -> None:
    [start] = [r for r in run.records() if r["event"] == "starting"]
    assert start["component"] == "serve"
    assert start["version"]
    assert start["store"] == run.server.database_url
    assert (start["workers"], start["log_level"], start["tracing"]) == (1, "debug", "off")
    env = server_environment(run.server.database_url, production=False)
    for secret in (env["BOLASHAK_JWT_SECRET"], env["BOLASHAK_PII_MASTER_KEY"]):
        assert secret not in json.dumps(start)


def test_each_request_has_an_access_line_with_operation_caller_status_and_time(run: Run) -> None:
    lines = [r for r in run.records() if r["logger"] == "bolashak.access"]
    graphql = [r for r in lines if r["path"] == "/graphql" and r["operation"] is not None]
    assert graphql
    for line in graphql:
        assert set(line) >= REQUEST_FIELDS, line
        assert line["method"] == "POST"
        assert line["status"] == 200
        assert line["duration_ms"] >= 0
        assert line["role"] in {"officer", "admin"}
        assert line["user_id"] == f"{line['role']}-1"
        assert line["request_id"]
    operations = {line["operation"] for line in graphql}
    assert "M" in operations  # the mutations of tests/support/erasure.py


def test_each_command_has_a_line_with_its_case_outcome_events_and_time(run: Run) -> None:
    commands = [r for r in run.records() if r["logger"] == "bolashak.commands"]
    for line in commands:
        assert set(line) >= COMMAND_FIELDS, line
    ok = {(line["command"], line["case_id"]) for line in commands if line["outcome"] == "ok"}
    for case in run.cases:
        for name in ("submit_application", "assess_eligibility", "record_testing"):
            assert (name, case.id) in ok
    assert ("erase_personal_data", run.cases[0].id) in ok
    assert all(line["events"] >= 1 for line in commands if line["outcome"] == "ok")


def test_no_name_iin_contact_or_token_appears_in_any_line(run: Run) -> None:
    text = "\n".join(run.lines()).lower()
    searched = [n for case in run.cases for n in needles(case.identity)] + run.tokens
    assert run.tokens
    assert [n for n in set(searched) if n.lower() in text] == []


def exposed_names(exposition: str) -> set[str]:
    """Every metric family the exposition declares, with the names of its series."""
    found = set()
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            name = line.split()[2]
            found |= {name, *(name + suffix for suffix in SUFFIXES)}
        elif line and not line.startswith("#"):
            found.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return found


def test_metrics_are_exposed_in_the_prometheus_format(run: Run) -> None:
    response = httpx.get(f"{run.server.base_url}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert 'bolashak_commands_total{command="submit_application",outcome="ok"} 2.0' in text
    assert re.search(r'bolashak_graphql_operations_total\{operation="M",outcome="ok"', text)
    assert re.search(r'bolashak_projection_lag_events\{projection="case_list"\} \d', text)
    assert re.search(r"bolashak_event_store_append_seconds_count \d", text)
    assert re.search(r'bolashak_db_pool_connections\{state="idle"\} \d', text)
    assert 'bolashak_deadline_job_runs_total{outcome="ok"}' in text  # the in-process job


def test_every_metric_of_the_rules_and_the_dashboard_is_exposed(run: Run) -> None:
    exposition = httpx.get(f"{run.server.base_url}/metrics", timeout=10).text
    used = set(METRIC_NAME.findall(RULES.read_text(encoding="utf-8")))
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            used |= set(METRIC_NAME.findall(target["expr"]))
    assert len(used) >= 10
    assert sorted(used - exposed_names(exposition)) == []


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        message = "promtool is not installed (make promtool: Debian's prometheus package)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.mark.parametrize(
    "args",
    [["test", "rules", str(RULE_TESTS)], ["check", "config", str(SCRAPE)]],
    ids=["test-rules", "check-config"],
)
def test_promtool_passes_the_rules_and_the_scrape_config(args: list[str]) -> None:
    done = subprocess.run([promtool(), *args], capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()


@pytest.mark.parametrize(
    "live_server", [ServerSpec("postgres", processes=2)], indirect=True, ids=lambda s: s.id
)
def test_any_server_process_answers_metrics_for_all_of_them(live_server: LiveServer) -> None:
    """``serve --workers 2``: each request and scrape on a connection of its own, so the
    kernel hands them to either process; every scrape counts every request."""
    headers = live_server.bearer(Role.OFFICER, "officer-1")
    sent = {"query": "query Counted { __typename }"}
    for _ in range(REQUESTS):
        response = live_server.http.post(live_server.graphql_url, json=sent, headers=headers)
        assert response.status_code == 200, response.text
    counted = 'bolashak_graphql_operations_total{operation="Counted",outcome="ok",type="query"}'
    for _ in range(SCRAPES):
        text = live_server.http.get(f"{live_server.base_url}/metrics").text
        assert f"{counted} {REQUESTS}.0" in text, text
    # the second server process may still be starting on a busy machine (the first one
    # answers as soon as it listens): its line is awaited, then every line is counted once
    deadline = time.monotonic() + 30
    while (starts := _started(live_server)).count("serve-process") < 2:
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert sorted(starts) == ["projections", "serve", "serve-process", "serve-process"]


@pytest.mark.parametrize(
    "live_server", [ServerSpec("postgres", processes=2)], indirect=True, ids=lambda s: s.id
)
def test_each_server_process_is_pinned_to_a_core_of_its_own(live_server: LiveServer) -> None:
    """``serve --workers 2`` on two CPUs or more: each server process logs the CPU it took,
    and no two took the same one (infra/cpu_pinning.py; BOLASHAK_PIN_SERVER_PROCESSES)."""
    allowed = allowed_cpus()
    deadline = time.monotonic() + 30
    while len(lines := _startup_lines(live_server, "serve-process")) < 2:
        assert time.monotonic() < deadline, "the second server process did not start"
        time.sleep(0.1)
    assert sorted(line["cpu"] for line in lines) == allowed[:2]


def _startup_lines(server: LiveServer, component: str = "") -> list[dict[str, Any]]:
    """Each process's startup line (of ``component``'s processes, when named), as logged
    so far."""
    return [
        found
        for process in server.processes
        for line in process.stderr.read_text(encoding="utf-8").splitlines()
        if '"event":"starting"' in line
        and component in ("", (found := json.loads(line))["component"])
    ]


def _started(server: LiveServer) -> list[str]:
    """The component of each process's startup line, as logged so far."""
    return [line["component"] for line in _startup_lines(server)]
