"""Concurrent writers through the API (issue 22): the campaign's whole lifecycles, as
``write_concurrent`` drives them in-process, sent as GraphQL mutations by 16 HTTP clients to
a production server of two processes, against raw psycopg inserts from 8 threads in the
same round (``write_concurrent``'s baseline), each round on a fresh database and server,
the median of the rounds' ratios reported; with the p95 latency of one mutation.
Target: at least 35% of raw.

The simulated people's decisions are made before the clock starts, as for the in-process
lines: the campaign's recorded commands (``bench/campaign_scripts.py``) are made into their
mutations, each with its sender's token (the senders registered as users then), and the
clients send exactly those; a case a rule refuses on the server ends there. The server runs
on the real clock: the campaign's business dates lie before its today, and its backdating
window is opened for them (``REPLAYING_HISTORY_ENV``). Each round also prints where the
machine's CPU went while the lifecycles ran, per event (``bench/cpu.py``): the clients, the
servers and PostgreSQL share the same cores, and the line is bound by them.

``write_concurrent_api_ceiling``: the same clients and server answering the least request
the API takes (``{ __typename }``), as requests/s against the same raw baseline: no
mutation can be sent faster through this HTTP and GraphQL stack on this machine."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bench import cpu
from bench.api_desk import ApiDesk
from bench.api_speed import _server, serve_command, server_env
from bench.campaign_scripts import Recording, Replayed, record_campaign, replay_steps
from bench.command_throughput import SEED, TODAY, _mean_event_size, _raw_inserts
from bench.dataset import fresh_database
from bench.harness import Report, of_rounds, percentile
from bench.write_concurrent import WRITERS

CLIENTS = 16
CEILING_SECONDS = 5.0
ROUNDS = 3  # each on a fresh database and server (bench-quick: one)
SERVER_PROCESSES = 2
TARGET = 0.35


@dataclass(frozen=True)
class Round:
    replayed: Replayed  # the lifecycles through the server
    cpu_used: cpu.CpuSplit  # the machine's CPU while they ran, per event
    ceiling: float  # least requests/s
    raw: float  # rows/s


def measure_write_concurrent_api(
    report: Report, lifecycles: int, ceiling_seconds: float = CEILING_SECONDS, rounds: int = ROUNDS
) -> None:
    """The ``write_concurrent_api`` and ceiling lines: the median of the rounds' ratios,
    each round on a fresh database and server."""
    # the measured cases, then as many others for each round's warm-up
    recording = record_campaign(lifecycles + CLIENTS, seed=SEED, today=TODAY)
    done = [_round(round_, recording, lifecycles, ceiling_seconds) for round_ in range(rounds)]
    baseline = f"raw_psycopg_{WRITERS}_threads"
    raws = [r.raw for r in done]
    line, by_round = of_rounds(
        "write_concurrent_api", "events/s", [r.replayed.rate for r in done], baseline, raws, TARGET
    )
    report.add(line)
    ceiling, _ = of_rounds(
        "write_concurrent_api_ceiling", "requests/s", [r.ceiling for r in done], baseline, raws
    )
    report.add(ceiling)
    times = [t for r in done for t in r.replayed.command_ms]
    first = done[0].replayed
    print(
        f"  ({CLIENTS} clients, {SERVER_PROCESSES} server processes: p95"
        f" {percentile(times, 0.95):.1f} ms per mutation, p50 {percentile(times, 0.5):.1f} ms;"
        f" a round: {len(first.command_ms)} mutations, {first.events} events;"
        f" {sum(r.replayed.refused for r in done)} cases refused in all;"
        f" round by round: {by_round})",
        flush=True,
    )
    for number, r in enumerate(done, 1):
        used = r.cpu_used.describe("clients", "servers and the rest", "event")
        print(f"  (round {number}, CPU: {used})", flush=True)


def _round(number: int, recording: Recording, lifecycles: int, ceiling_seconds: float) -> Round:
    """One round on a fresh database: the lifecycles through a fresh server, its ceiling,
    then the raw inserts."""
    with fresh_database(f"bolashak_bench_write_concurrent_api_{number}") as settings:
        serve = serve_command(SERVER_PROCESSES)
        with _server(serve, server_env(settings)) as port:
            desk = ApiDesk(f"http://127.0.0.1:{port}/graphql", settings)
            try:
                scripts = [[desk.mutation_of(*step) for step in s] for s in recording.scripts]
                # warm-up (the recording's other cases): each process's parsed documents,
                # its users, its connections
                replay_steps(scripts[lifecycles:], desk.carry_out, CLIENTS)
                before = cpu.sample()
                replayed = replay_steps(scripts[:lifecycles], desk.carry_out, CLIENTS)
                used = cpu.split(before, cpu.sample(), max(replayed.events, 1))
                ceiling = _trivial_rate(desk, ceiling_seconds)
            finally:
                desk.close()
        size = _mean_event_size(settings)
        raw = _raw_inserts(settings, replayed.events, size, threads=WRITERS)
    return Round(replayed, used, ceiling, raw)


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
