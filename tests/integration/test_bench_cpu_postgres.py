"""The API line's CPU split counts PostgreSQL's processes as PostgreSQL's (``bench/cpu.py``):
a query that keeps a backend busy shows in that share, not in this process's."""

from __future__ import annotations

import psycopg

from bench import cpu
from infra.settings import Settings


def test_a_busy_backend_counts_as_postgresql_cpu(postgres_settings: Settings) -> None:
    with psycopg.connect(postgres_settings.database.url) as conn:
        before = cpu.sample()
        conn.execute("SELECT count(*) FROM generate_series(1, 5000000)").fetchone()
        found = cpu.split(before, cpu.sample(), units=1)
    assert found.postgres_us >= 0.1e6  # a few hundred ms of the backend's CPU
    assert found.this_us < found.postgres_us
