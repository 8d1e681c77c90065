"""Connections cut by the database (as a server restart cuts them): commands, the
projection worker and the relay's store carry on without a restart of their own."""

from __future__ import annotations

import psycopg

from domain.case.stage import Stage
from domain.clock import FixedClock
from infra.container import build_projection_engine, build_service
from infra.database import _admin_dsn
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support.journey import Journey


def cut_every_connection(settings: Settings) -> int:
    with psycopg.connect(_admin_dsn(settings.database), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (settings.database.dbname,),
        ).fetchall()
    return len(rows)


def test_commands_and_the_projection_worker_carry_on_after_connections_are_cut(
    fresh_postgres: Settings,
) -> None:
    service = build_service(fresh_postgres, clock=FixedClock(FAR_FUTURE))
    engine = build_projection_engine(fresh_postgres)
    first = Journey(service)
    first.to(Stage.TESTED)
    engine.run_until_head()

    assert cut_every_connection(fresh_postgres) > 0
    second = Journey(service)
    second.to(Stage.ELIGIBLE)  # the library retries a statement on a fresh connection

    failures = 0
    while True:  # what the worker's loop does: a failed batch is retried
        try:
            engine.run_until_head()
            break
        except psycopg.OperationalError:
            failures += 1
            assert failures < 3, "the worker never got a working connection back"
    stages = dict(engine.db.query("SELECT application_id, stage FROM case_list"))
    assert stages == {str(first.id): "tested", str(second.id): "eligible"}
    engine.db.close()
    service.close()
