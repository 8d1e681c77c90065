"""The benchmark harness (issue 7) through its commands: ``make bench-quick`` prints one line
per measurement of the issue, ``NAME: VALUE UNIT (ratio R to BASELINE)``, every figure a
ratio to a baseline of the same run; a full ``make bench`` writes ``docs/benchmarks.md``
with a table and a plot of cost against data size.

The quick run's verdicts are not asserted: its rounds are short, and a shared machine's
slow moment can tip a ratio (the full run is the measurement). Its lines are."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bench import docs
from bench.harness import Line, Report
from infra.database import drop_database
from infra.settings import Settings
from tests.integration.conftest import ADMIN_URL, postgres_unavailable

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(
    r"^(?P<name>[a-z0-9_@]+): (?P<value>[\d,.]+) (?P<unit>\S+)"
    r" \(ratio (?P<ratio>\d+\.\d\d) to (?P<baseline>.+?) (?P<base>[\d,.]+) (?P=unit)\)"
    r"( \[(meets|MISSES) target: [^\]]+\])?$"
)
# the seven measurements, by the names of their lines (quick sizes: 10,000 and 30,000)
EXPECTED = (
    "command_throughput",  # 1: full lifecycles against raw psycopg
    "burst_intake_16_clients",  # 2: submissions at the end of a window, through GraphQL
    "burst_intake_p95_16_clients",
    "egov_intake_rate",  # issue 23: eGov submissions from the intake topic
    "rebuild_case_list@15000",  # 3: projection rebuilds against read-and-decode
    "rebuild_dashboard@15000",
    "rebuild_deadlines@15000",
    "rebuild_interview_queue@15000",
    "rebuild_audit_trail@15000",
    "graphql_case_list_page",  # 4: GraphQL against a plain Starlette endpoint
    "graphql_case_list_p95",
    "graphql_dashboard_p95",
    "graphql_case_history_30_events",
    "relay_throughput@15000",  # 5: the relay against a plain kafka-python producer
    "audit_verify@5000",  # 6: audit verify against read-and-decode
    "audit_verify@15000",
    "case_list_first_page@15000",  # 7: growth, the larger size against the smaller
    "case_list_filtered_page@15000",
    "dashboard_year@15000",
    "write_concurrent",  # issue 22: 8 writers, and the curve of 1 to 16
    *(f"write_concurrent_writers_{n}" for n in (1, 2, 4, 8, 16)),
    "write_concurrent_ceiling",  # the same lifecycles with the store in memory
    "write_concurrent_api",  # issue 22: the same lifecycles through GraphQL, 16 clients
    "write_concurrent_api_ceiling",  # the least request through the same clients and server
)


@pytest.fixture
def bench_master() -> Iterator[tuple[str, str]]:
    """A master data set of the run's own (dropped afterwards), on the tests' server."""
    name = f"bolashak_bench_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        psycopg.connect(ADMIN_URL, connect_timeout=5).close()
    except psycopg.OperationalError as e:
        postgres_unavailable(str(e).strip())
    yield ADMIN_URL, name
    base = ADMIN_URL.rsplit("/", 1)[0]
    drop_database(Settings.from_env({"BOLASHAK_DATABASE_URL": f"{base}/{name}"}).database)


def test_bench_quick_prints_a_same_run_ratio_line_for_every_measurement(
    bench_master: tuple[str, str],
) -> None:
    admin_url, master = bench_master
    committed = (ROOT / "docs" / "benchmarks.md").read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "bench"],
        cwd=ROOT,
        env={
            # as `make bench` runs: without the suite's wide backdating window (the bench
            # opens its own servers' window, replaying 2023)
            **{k: v for k, v in os.environ.items() if k != "BOLASHAK_BACKDATING_WINDOW_DAYS"},
            "BENCH_QUICK": "1",
            "BOLASHAK_BENCH_POSTGRES_URL": admin_url,
            "BOLASHAK_BENCH_MASTER_DB": master,
        },
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    measured = [line for line in done.stdout.splitlines() if " (ratio " in line]
    for line in measured:
        assert LINE.match(line), f"not NAME: VALUE UNIT (ratio R to BASELINE): {line!r}"
    names = {m.group("name") for m in map(LINE.match, measured) if m}
    assert set(EXPECTED) <= names, f"missing: {sorted(set(EXPECTED) - names)}"
    assert done.stdout.startswith("machine: ")  # the machine beside its figures
    # the quick run's small data never replaces the full run's committed results
    assert (ROOT / "docs" / "benchmarks.md").read_bytes() == committed


def test_a_full_run_writes_the_results_table_and_the_growth_plot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(docs, "DOCS", tmp_path)
    monkeypatch.setattr(docs, "machine", lambda: "a test machine, 2 CPUs")
    report = Report()
    report.add(Line("command_throughput", 900.0, "events/s", "raw", 1000.0, 0.5))
    report.add(Line("relay_throughput@100", 400.0, "events/s", "plain", 1000.0, 0.5))
    report.add(Line("burst_intake_16_clients", 300.0, "submissions/s", "command", 900.0))
    report.writers += [(1, 0.3, 2.0), (8, 0.6, 6.0)]
    for size, rate in ((10_000, 40_000.0), (100_000, 41_000.0)):
        report.point("read and decode (events/s)", size, rate)
        report.point("case_list_first_page (ms)", size, 0.4)

    written = docs.write(report, "make bench")

    text = written.read_text(encoding="utf-8")
    assert "Machine: a test machine, 2 CPUs." in text
    results = text.split("Concurrent writers")[0]  # the writers' curve has a table of its own
    rows = [row for row in results.splitlines() if row.startswith("| ") and "---" not in row]
    assert rows[1:] == [
        "| command_throughput | 900.00 events/s | raw: 1,000.00 | 0.90 | ratio >= 0.5 | meets |",
        "| relay_throughput@100 | 400.00 events/s | plain: 1,000.00 | 0.40 | ratio >= 0.5 "
        "| **misses** |",
        "| burst_intake_16_clients | 300.00 submissions/s | command: 900.00 | 0.33 |  |  |",
    ]
    assert f"![cost against data size]({docs.PLOT})" in text
    assert (tmp_path / docs.PLOT).read_bytes().startswith(b"\x89PNG")
    assert "| 8 | 0.60 | 6.0 |" in text
    assert (tmp_path / docs.WRITERS_PLOT).read_bytes().startswith(b"\x89PNG")
    assert "## What was changed for speed, and why" in text
