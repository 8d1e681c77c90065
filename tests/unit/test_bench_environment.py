"""The benchmarks import a few test support modules (the broker, the intake's messages, a
GraphQL client); none may bring in ``tests.conftest``, which sets the suite's PII master
key in the environment: the bench's servers then opened the bench's data with the wrong
key, and ``make bench`` failed with 500s on its first API measurement."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECK = (
    "import os, sys, bench.__main__, bench.dataset as d;"
    "print('tests.conftest' in sys.modules,"
    " os.environ['BOLASHAK_PII_MASTER_KEY'] == d.BENCH_PII_KEY.decode())"
)


def test_importing_the_benchmarks_keeps_their_own_pii_key_and_not_the_suites() -> None:
    env = {k: v for k, v in os.environ.items() if k != "BOLASHAK_PII_MASTER_KEY"}
    done = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]
