"""``GET /health/live`` and ``/health/ready`` over HTTP, and the admins' ``systemStatus``.

Both endpoints answer without a token and with nothing but a status; ready is 503 when
the store does not answer, the user directory cannot be read, or a read model lags by
more than ``BOLASHAK_READY_MAX_LAG`` events, and never takes longer than its timeout.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager

import psycopg
import pytest
from psycopg import sql

from api.health import READY_TIMEOUT_SECONDS
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from infra.audit import checkpoints
from infra.container import build_deadline_job, build_reader, build_service, view_database
from infra.relay import tracking as relay_tracking
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.integration.conftest import ADMIN_URL
from tests.support.api import Api, api_for
from tests.support.journey import Journey
from tests.support.read_models import catch_up

LIVE, READY = "/health/live", "/health/ready"
NOT_READY = {"status": "unavailable"}


def a_case(settings: Settings) -> None:
    """One submitted case: events the read models have not folded yet."""
    with closing(build_service(settings, clock=FixedClock(FAR_FUTURE))) as service:
        Journey(service).to(Stage.SUBMITTED)


def assert_ready(api: Api) -> None:
    response = api.client.get(READY)
    assert (response.status_code, response.json()) == (200, {"status": "ready"})
    assert response.headers["cache-control"] == "no-store"


def assert_not_ready(api: Api) -> None:
    response = api.client.get(READY)
    assert (response.status_code, response.json()) == (503, NOT_READY)


def test_live_and_ready_answer_only_a_status_without_a_token(fresh_store: Settings) -> None:
    a_case(fresh_store)
    catch_up(fresh_store)
    with api_for(fresh_store) as api:
        for path, status in ((LIVE, "ok"), ("/health", "ok"), (READY, "ready")):
            response = api.client.get(path)  # no Authorization header
            assert response.status_code == 200, path
            assert response.json() == {"status": status}, path


def test_ready_is_503_while_a_read_model_lags_beyond_the_setting(fresh_store: Settings) -> None:
    settings = fresh_store.model_copy(update={"ready_max_lag": 0})
    with api_for(settings) as api:
        assert_ready(api)
        a_case(settings)  # its events, not folded yet
        assert_not_ready(api)
        catch_up(settings)
        assert_ready(api)


def test_ready_is_503_when_the_user_directory_cannot_be_read(fresh_store: Settings) -> None:
    with api_for(fresh_store) as api:
        assert_ready(api)
        with closing(view_database(fresh_store)) as db, db.transaction() as cur:
            cur.execute("ALTER TABLE api_users RENAME TO api_users_away")
        assert_not_ready(api)
        assert api.client.get(LIVE).status_code == 200  # the process itself is fine
        with closing(view_database(fresh_store)) as db, db.transaction() as cur:
            cur.execute("ALTER TABLE api_users_away RENAME TO api_users")
        assert_ready(api)


@contextmanager
def connections_refused(settings: Settings) -> Iterator[None]:
    """PostgreSQL refusing every connection to the test's database, and closing those
    open: the store as unreachable as a server that went away."""
    name = sql.Identifier(settings.database.dbname)
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(name))
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (settings.database.dbname,),
        )
        try:
            yield
        finally:
            admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(name))


def test_ready_is_503_while_postgres_refuses_connections_then_ready_again(
    fresh_postgres: Settings,
) -> None:
    with api_for(fresh_postgres) as api:
        assert_ready(api)
        with connections_refused(fresh_postgres):
            for _ in range(2):  # the broken connection, then a new one refused
                started = time.monotonic()
                assert_not_ready(api)
                assert time.monotonic() - started < READY_TIMEOUT_SECONDS + 1
            assert api.client.get(LIVE).status_code == 200
        assert_ready(api)


def test_ready_answers_503_within_its_timeout_while_sqlite_is_locked(
    sqlite_settings: Settings,
) -> None:
    """A writer holding the database (a long migration, a stuck process): the check waits
    for the lock up to the store's busy timeout, the answer does not."""
    settings = sqlite_settings.model_copy(update={"lock_timeout_seconds": 20})
    with api_for(settings) as api:
        assert_ready(api)
        holder = sqlite3.connect(settings.database.path, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            started = time.monotonic()
            assert_not_ready(api)
            assert time.monotonic() - started < READY_TIMEOUT_SECONDS + 1
            started = time.monotonic()
            assert_not_ready(api)  # the first check still waits: answered at once
            assert time.monotonic() - started < 1
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        deadline = time.monotonic() + 10
        while api.client.get(READY).status_code != 200:
            assert time.monotonic() < deadline, "never ready again after the lock was released"
            time.sleep(0.1)


# -- systemStatus ----------------------------------------------------------------------------

SYSTEM_STATUS = """query S { systemStatus { __typename
  ... on SystemStatus { logHead projections { name lag }
    relays { name position lag lastError }
    lastDeadlineRun { name finishedAt ok outcome }
    lastCheckpointRun { ok outcome }
    lastCheckpoint { seq uptoPosition events hash madeAt unsealedEvents } }
  ... on NotAllowed { command role } } }"""


def test_system_status_shows_admins_each_workers_position(fresh_store: Settings) -> None:
    settings = fresh_store
    a_case(settings)
    a_case(settings)
    catch_up(settings)
    job = build_deadline_job(settings, FixedClock(FAR_FUTURE))
    job.run_recorded()
    job.views.close()
    job.service.close()
    reader = build_reader(settings)
    with closing(view_database(settings, reader.events_table())) as db:
        sealed = checkpoints.make(db, reader.mapper)
        relay_tracking.reset(db, relay_tracking.name_for("cases"), 1)
    reader.close()
    with api_for(settings) as api:
        found = api.data(SYSTEM_STATUS, role=Role.ADMIN)["systemStatus"]
    head = found["logHead"]
    assert head == sealed[-1].upto > 1
    assert found["__typename"] == "SystemStatus"
    assert {p["name"]: p["lag"] for p in found["projections"]}["case_list"] == 0
    assert found["relays"] == [
        {"name": "relay:cases", "position": 1, "lag": head - 1, "lastError": ""}
    ]
    run = found["lastDeadlineRun"]
    assert (run["name"], run["ok"]) == ("deadlines", True)
    assert run["outcome"] == "revoked 0, already revoked 0, refused 0"
    assert found["lastCheckpointRun"] is None  # sealed by hand, not by the worker's rounds
    checkpoint = found["lastCheckpoint"]
    assert (checkpoint["seq"], checkpoint["uptoPosition"]) == (1, head)
    assert (checkpoint["unsealedEvents"], checkpoint["hash"]) == (0, sealed[-1].hash)


@pytest.mark.parametrize("role", [Role.OFFICER, Role.COMMISSION, Role.AUDITOR])
def test_system_status_is_refused_to_every_role_but_admin(
    sqlite_settings: Settings, role: Role
) -> None:
    with api_for(sqlite_settings) as api:
        found = api.data(SYSTEM_STATUS, role=role)["systemStatus"]
    assert found == {"__typename": "NotAllowed", "command": "systemStatus", "role": role.value}


def test_system_status_does_not_exist_for_the_experts(sqlite_settings: Settings) -> None:
    with api_for(sqlite_settings) as api:
        body = api.post(SYSTEM_STATUS, role=Role.EXPERT).json()
    assert "data" not in body
    assert body["errors"][0]["message"] == "Cannot query field 'systemStatus' on type 'Query'."
