"""Burst intake (issue 7, item 2): submissions on the last day of an intake window from
concurrent clients through GraphQL, on PostgreSQL, one server process per core; the
submissions/s and the latency each client sees, against the command throughput (1) of the
same run (one submission stores one event)."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from bench.api_speed import _auth, _server, serve_command, server_for
from bench.dataset import fresh_database
from bench.harness import Line, Report, percentile
from tests.support.graphql_client import (
    SUBMIT,
    read_response,
    request_bytes,
    split_url,
    submission_inputs,
)

CLIENTS = 16


def measure_burst_intake(report: Report, command_rate: float, count: int) -> None:
    cores = os.cpu_count() or 1
    with fresh_database("bolashak_bench_burst") as settings:
        env, token = server_for(settings, "intake-officer")
        packages = submission_inputs(count, f"burst-{time.time_ns()}")
        with _server(serve_command(cores), env) as port:
            url = f"http://127.0.0.1:{port}/graphql"
            asyncio.run(_burst(url, _auth(token), packages[: CLIENTS * 2]))  # warm-up
            rate, times = asyncio.run(_burst(url, _auth(token), packages[CLIENTS * 2 :]))
    report.add(
        Line(
            f"burst_intake_{CLIENTS}_clients",
            rate,
            "submissions/s",
            "command_throughput",
            command_rate,
        )
    )
    report.add(
        Line(
            f"burst_intake_p95_{CLIENTS}_clients",
            percentile(times, 0.95),
            "ms",
            "one command at a time (ms)",
            1000 / command_rate,
        )
    )
    print(
        f"  burst intake: p50 {percentile(times, 0.5):.1f} ms,"
        f" p99 {percentile(times, 0.99):.1f} ms, {len(times)} submissions",
        flush=True,
    )


async def _burst(
    url: str, headers: dict[str, str], packages: list[dict[str, Any]]
) -> tuple[float, list[float]]:
    """CLIENTS keep-alive connections, each sending the next package until none is left;
    every answer must be a stored case."""
    host, port, target = split_url(url)
    requests = [request_bytes(host, target, SUBMIT, headers, {"input": p}) for p in packages]
    queue = iter(requests)
    times: list[float] = []

    async def one_client() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for request in queue:
                started = time.perf_counter()
                writer.write(request)
                status, body = await read_response(reader)
                if status != 200 or b'"CaseUpdated"' not in body or b'"replayed":true' in body:
                    raise RuntimeError(f"submission not stored: {status}: {body[:300]!r}")
                times.append((time.perf_counter() - started) * 1000)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
    return len(times) / (time.perf_counter() - started), times
