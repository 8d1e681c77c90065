"""Concurrent writers through the API (issue 22): the campaign's whole lifecycles, as
``write_concurrent`` drives them in-process, sent as GraphQL mutations by 16 HTTP clients to
a production server of two processes, against raw psycopg inserts from 8 threads in the
same round (``write_concurrent``'s baseline), each round on a fresh database and server,
the median of the rounds' ratios reported; with the p95 latency of one mutation.
Target: at least 35% of raw.

The server runs on the real clock: the campaign's business dates lie before its today, and
its backdating window is opened for them (``REPLAYING_HISTORY_ENV``). What the simulated
people need to know before some steps comes with each mutation's answer (the case's
stage, dates, documents missing and language route), or is a query to the same server
within the measured time (a place left, from ``quotas``).

``write_concurrent_api_ceiling``: the same clients and server answering the least request
the API takes (``{ __typename }``), as requests/s against the same raw baseline: no
mutation can be sent faster through this HTTP and GraphQL stack on this machine."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bench.api_desk import ApiDesk
from bench.api_speed import _server, serve_command, server_env
from bench.command_throughput import SEED, TODAY, _mean_event_size, _raw_inserts
from bench.dataset import fresh_database
from bench.harness import Report, of_rounds, percentile
from bench.write_concurrent import WRITERS
from infra.simulation.campaign import CampaignSummary, simulate_campaign

CLIENTS = 16
CEILING_SECONDS = 5.0
ROUNDS = 3  # each on a fresh database and server (bench-quick: one)
SERVER_PROCESSES = 2
TARGET = 0.35


@dataclass(frozen=True)
class Round:
    rate: float  # events/s
    ceiling: float  # least requests/s
    raw: float  # rows/s
    summary: CampaignSummary
    mutation_ms: list[float]
    reads: int


def measure_write_concurrent_api(
    report: Report, lifecycles: int, ceiling_seconds: float = CEILING_SECONDS, rounds: int = ROUNDS
) -> None:
    """The ``write_concurrent_api`` and ceiling lines: the median of the rounds' ratios,
    each round on a fresh database and server."""
    done = [_round(round_, lifecycles, ceiling_seconds) for round_ in range(rounds)]
    baseline = f"raw_psycopg_{WRITERS}_threads"
    raws = [r.raw for r in done]
    line, by_round = of_rounds(
        "write_concurrent_api", "events/s", [r.rate for r in done], baseline, raws, TARGET
    )
    report.add(line)
    ceiling, _ = of_rounds(
        "write_concurrent_api_ceiling", "requests/s", [r.ceiling for r in done], baseline, raws
    )
    report.add(ceiling)
    times = [t for r in done for t in r.mutation_ms]
    first = done[0]
    print(
        f"  ({CLIENTS} clients, {SERVER_PROCESSES} server processes: p95"
        f" {percentile(times, 0.95):.1f} ms per mutation, p50 {percentile(times, 0.5):.1f} ms;"
        f" a round: {len(first.mutation_ms)} mutations, {first.reads} reads,"
        f" {first.summary.events} events; {sum(sum(r.summary.refusals.values()) for r in done)}"
        f" refused in all; round by round: {by_round})",
        flush=True,
    )


def _round(number: int, lifecycles: int, ceiling_seconds: float) -> Round:
    """One round on a fresh database: the lifecycles through a fresh server, its ceiling,
    then the raw inserts."""
    with fresh_database(f"bolashak_bench_write_concurrent_api_{number}") as settings:
        serve = serve_command(SERVER_PROCESSES)
        with _server(serve, server_env(settings)) as port:
            desk = ApiDesk(f"http://127.0.0.1:{port}/graphql", settings)
            try:
                # warm-up (other cases of the campaign): each process's parsed documents,
                # its users, its connections
                _campaign(desk, CLIENTS, first_case=lifecycles + 1)
                desk.mutation_ms.clear()
                desk.reads = 0
                started = time.perf_counter()
                summary = _campaign(desk, lifecycles, first_case=1)
                rate = summary.events / (time.perf_counter() - started)
                ceiling = _trivial_rate(desk, ceiling_seconds)
            finally:
                desk.close()
        raw = _raw_inserts(settings, summary.events, _mean_event_size(settings), threads=WRITERS)
    return Round(rate, ceiling, raw, summary, list(desk.mutation_ms), desk.reads)


def _trivial_rate(desk: ApiDesk, seconds: float) -> float:
    """The ceiling of the API line on this machine: the same clients sending the least
    request the API answers (``{ __typename }``) to the same server for ``seconds``. A
    mutation costs at least this much, so its ratio to raw bounds the line's from above."""
    counts = [0] * CLIENTS
    ends = time.perf_counter() + seconds

    def client(i: int) -> None:
        while time.perf_counter() < ends:
            desk.trivial()
            counts[i] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    return sum(counts) / (time.perf_counter() - started)


def _campaign(desk: ApiDesk, lifecycles: int, first_case: int) -> CampaignSummary:
    return simulate_campaign(
        desk, lifecycles, seed=SEED, today=TODAY, first_case=first_case, workers=CLIENTS
    )
