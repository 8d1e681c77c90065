"""Concurrent writers (issue 22): whole lifecycles of the simulated campaign from several
threads of one process, against raw psycopg inserts from as many threads in the same round
(one row per transaction, rows of the same size), each round on a fresh database, the
median of the rounds' ratios reported; and the curve, 1 to 16 writers in one run, with the
p95 latency of one command at each point. Target: at least 60% of raw with 8 writers.

The simulated people's decisions are made before the clock starts: the writers send the
campaign's recorded commands (``bench/campaign_scripts.py``), as the raw inserts send rows
made beforehand.

``write_concurrent_ceiling``: in each round, the same lifecycles on the same number of
threads with the store in memory (``memory:``): the command path's Python with no database
under it, against the same raw inserts. The process runs Python under one interpreter
lock, so no store can take the line above this on this machine and interpreter."""

from __future__ import annotations

import statistics

from bench.campaign_scripts import record_campaign, replay_on
from bench.command_throughput import SEED, TODAY, _mean_event_size, _raw_inserts
from bench.dataset import fresh_database
from bench.harness import Line, Report, of_rounds
from infra.settings import Settings
from infra.settings.database_url import Database

WRITERS = 8
CURVE = (1, 2, 4, 8, 16)
TARGET = 0.6
ROUNDS = 3  # each on a fresh database: ours, raw, then in memory (bench-quick: one)


def measure_write_concurrent(
    report: Report, lifecycles: int, curve_lifecycles: int, rounds: int = ROUNDS
) -> None:
    """The ``write_concurrent`` line, then one line per point of the curve (each on a fresh
    database, against the rounds' median raw baseline)."""
    recording = record_campaign(max(lifecycles, curve_lifecycles), seed=SEED, today=TODAY)
    cases, curve_cases = recording.first(lifecycles), recording.first(curve_lifecycles)
    runs, raws, ceilings = [], [], []
    for round_ in range(rounds):
        with fresh_database(f"bolashak_bench_write_concurrent_{round_}") as settings:
            runs.append(replay_on(settings, cases, WRITERS, today=TODAY))
            size = _mean_event_size(settings)
            raws.append(_raw_inserts(settings, runs[-1].events, size, threads=WRITERS))
            ceilings.append(replay_on(in_memory(settings), cases, WRITERS, today=TODAY).rate)
    baseline = f"raw_psycopg_{WRITERS}_threads"
    line, by_round = of_rounds(
        "write_concurrent", "events/s", [r.rate for r in runs], baseline, raws, TARGET
    )
    report.add(line)
    p95 = statistics.median_high(r.p95 for r in runs)
    print(
        f"  ({WRITERS} writers: p95 {p95:.1f} ms per command; round by round: {by_round})",
        flush=True,
    )
    ceiling, by_round = of_rounds("write_concurrent_ceiling", "events/s", ceilings, baseline, raws)
    report.add(ceiling)
    print(f"  (the store in memory, round by round: {by_round})", flush=True)
    raw = line.baseline_value
    for writers in CURVE:
        with fresh_database(f"bolashak_bench_writers_{writers}") as settings:
            point = replay_on(settings, curve_cases, writers, today=TODAY)
        report.add(
            Line(f"write_concurrent_writers_{writers}", point.rate, "events/s", baseline, raw)
        )
        print(f"  ({writers} writers: p95 {point.p95:.1f} ms per command)", flush=True)
        report.writers.append((writers, point.rate / raw, point.p95))


def in_memory(settings: Settings) -> Settings:
    """``settings`` with the event store in this process's memory (``memory:``)."""
    return settings.model_copy(update={"database": Database.parse("memory:")})
