"""The GraphQL API under load (issue 4): the case-list page through GraphQL against a plain
Starlette JSON endpoint serving the same rows, side by side in one run; case list and
dashboard latency with 8 concurrent clients. Targets: at least 50% of the plain endpoint's
requests/s (the median of the rounds' ratios); p95 under 20 ms."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, NamedTuple
from uuid import UUID

from api.auth import TokenKeys
from bench.audit_speed import CASE_HISTORY, HISTORY_EVENTS, HISTORY_RATIO, long_case
from bench.harness import REPLAYING_HISTORY_ENV, Line, Report, of_rounds, percentile
from domain.case.meta import Role
from infra.container import register_users
from infra.settings import Settings
from tests.support.graphql_client import read_response, request_bytes, split_url

CLIENTS = 8
ROUNDS = 5  # plain, GraphQL and dashboard take turns: a shared machine's noise hits all
WARM_UP_SECONDS = (
    2.0  # of each, before the rounds (not measured; a tenth of the rounds' time at most)
)
STAGGER_SECONDS = 0.01  # between the clients' connections
SECRET = "bench-secret-" + "y" * 40
CASE_PAGE = """{ applications(first: 20) { edges { cursor node { id applicantCode stage status
  programme category country institution specialty direction language campaignYear
  intakeWindow gpa submittedOn eligible assessedOn testedOn interviewSlotAt interviewScore
  decidedOn awardedOn contractDeadline contractsSignedOn revokedOn withdrawnOn departedOn
  returnedOn workOffEndsOn lastEventOn version updatedAt
  applicant { fullName iin birthDate email phone } } } pageInfo { hasNextPage endCursor } } }"""
DASHBOARD = """{ dashboard(year: 2023) { funnel { key count } awardsByCategory { key count }
  awardsTarget passRates { key value } averageScores { key value } } }"""
BIN = Path(sys.executable).parent


def measure_api(settings: Settings, report: Report, seconds: float) -> None:
    """One server process each (the comparison the target is about), then, on a machine
    with more cores, one process per core (``--workers``; the deployment for production),
    reported under names ending in ``_processes``."""
    history_of = long_case(settings)  # the case history's bench (issue 6)
    _measure(settings, report, seconds, 1, "", history_of)
    cores = os.cpu_count() or 1
    if cores > 1:
        _measure(settings, report, seconds, cores, f"_{cores}_processes", history_of)


def server_for(settings: Settings, officer: str) -> tuple[dict[str, str], str]:
    """The environment of a production server on ``settings``' database, and the token of
    ``officer``, registered in the user directory so that the server lets it in."""
    register_users(settings, {officer: Role.OFFICER})
    return server_env(settings), TokenKeys(SECRET).mint(officer, Role.OFFICER)


def serve_command(processes: int) -> list[str]:
    """``bolashak serve`` as the benchmarks start it (``_server`` fills in the port): the
    GraphQL server alone, ``processes`` processes, without the in-process workers."""
    return [
        str(BIN / "bolashak"),
        "serve",
        "--port",
        "{port}",
        "--no-workers-in-process",
        "--workers",
        str(processes),
    ]


def server_env(settings: Settings) -> dict[str, str]:
    """The environment of a production server on ``settings``' database, taking tokens
    signed with ``SECRET``."""
    return {
        **os.environ,
        "BOLASHAK_DATABASE_URL": settings.database.url,
        "BOLASHAK_JWT_SECRET": SECRET,
        "BOLASHAK_MODE": "production",
        **REPLAYING_HISTORY_ENV,
    }


def _measure(
    settings: Settings,
    report: Report,
    seconds: float,
    processes: int,
    suffix: str,
    history_of: UUID,
) -> None:
    env, token = server_for(settings, "bench-officer")
    plain = [sys.executable, "-m", "bench.plain_app", "{port}", str(processes)]
    with (
        _server(serve_command(processes), env) as graphql_port,
        _server(plain, env) as plain_port,
    ):
        targets = {
            "plain": (f"http://127.0.0.1:{plain_port}/cases", None, {}, None),
            "cases": (f"http://127.0.0.1:{graphql_port}/graphql", CASE_PAGE, _auth(token), None),
            "dashboard": (
                f"http://127.0.0.1:{graphql_port}/graphql",
                DASHBOARD,
                _auth(token),
                None,
            ),
            "history": (
                f"http://127.0.0.1:{graphql_port}/graphql",
                CASE_HISTORY,
                _auth(token),
                {"id": str(history_of)},
            ),
        }
        for target in targets.values():  # caches, compiled readers, database pages
            asyncio.run(_load(*target, seconds=min(WARM_UP_SECONDS, seconds / 10)))
        rounds = [
            {
                name: asyncio.run(_load(*target, seconds=seconds / ROUNDS))
                for name, target in targets.items()
            }
            for _ in range(ROUNDS)
        ]
    by_round = _rounds_line(
        report,
        rounds,
        ("cases", f"graphql_case_list_page{suffix}"),
        ("plain", f"plain_starlette_json{suffix}"),
        0.5,
    )
    print(
        f"  case list through GraphQL / plain, round by round ({processes} per server): {by_round}",
        flush=True,
    )
    # the 30-event case history against the case-list page (issue 6)
    _rounds_line(
        report,
        rounds,
        ("history", f"graphql_case_history_{HISTORY_EVENTS}_events{suffix}"),
        ("cases", f"graphql_case_list_page{suffix}"),
        HISTORY_RATIO,
    )
    for name, key in (("graphql_case_list", "cases"), ("graphql_dashboard", "dashboard")):
        times = [t for r in rounds for t in r[key].times]
        p95 = percentile(times, 0.95)
        report.add(
            Line(
                f"{name}_p95{suffix}",
                p95,
                "ms",
                "20 ms budget",
                20.0,
                1.0,
                higher_is_better=False,
            )
        )
        print(
            f"  {name}{suffix}: p50 {percentile(times, 0.5):.1f} ms,"
            f" p99 {percentile(times, 0.99):.1f} ms",
            flush=True,
        )


def _rounds_line(
    report: Report,
    rounds: list[dict[str, Load]],
    measured: tuple[str, str],
    baseline: tuple[str, str],
    target: float,
) -> str:
    """Adds the line of one load (its key in the rounds, its line's name) against another's
    (``of_rounds``); the rounds as text."""
    line, by_round = of_rounds(
        measured[1],
        "requests/s",
        [r[measured[0]].rate for r in rounds],
        baseline[1],
        [r[baseline[0]].rate for r in rounds],
        target,
    )
    report.add(line)
    return by_round


class Load(NamedTuple):
    rate: float  # requests/s
    times: list[float]  # each request's latency, ms


async def _load(
    url: str,
    query: str | None,
    headers: dict[str, str],
    variables: dict[str, str] | None = None,
    seconds: float = 1.0,
) -> Load:
    """CLIENTS keep-alive connections sending the same request back to back.

    A minimal HTTP/1.1 client on asyncio streams: a general client such as httpx spends
    more CPU per request than the server under test, on the same two cores.
    """
    host, port, target = split_url(url)
    request = request_bytes(host, target, query, headers, variables)
    times: list[float] = []
    deadline = time.perf_counter() + seconds

    async def one_client(n: int) -> None:
        # connections open one after another while the earlier ones are busy: with
        # several server processes on one socket, a process that is idle at that moment
        # accepts it (opened all at once, the first to wake would take them all)
        await asyncio.sleep(n * STAGGER_SECONDS)
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                writer.write(request)
                status, body = await read_response(reader)
                if status != 200 or b'"errors"' in body[:200]:
                    raise RuntimeError(f"{status}: {body[:300]!r}")
                times.append((time.perf_counter() - started) * 1000)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one_client(n) for n in range(CLIENTS)))
    elapsed = time.perf_counter() - started
    return Load(len(times) / elapsed, times)


def _auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "content-type": "application/json"}


@contextmanager
def _server(command: list[str], env: dict[str, Any]) -> Iterator[int]:
    port = _free_port()
    # the server's log (a line per request) goes to a file: a pipe nobody reads would fill
    # and stop the server
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [part.replace("{port}", str(port)) for part in command],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            _wait_for(port, process, log)
            yield port
        except Exception:
            # the server's side of a failed measurement (a 500's traceback): its log's end
            log.seek(0)
            tail = log.read().decode(errors="replace")[-4000:]
            print(f"server log ({command[1:3]}), last lines:\n{tail}", file=sys.stderr, flush=True)
            raise
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_for(port: int, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read().decode()[-2000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("server did not start")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
