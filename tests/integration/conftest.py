"""Real services: PostgreSQL at 127.0.0.1:5432 (own database per test session) and SQLite.

Without PostgreSQL the PostgreSQL tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from domain.clock import Clock
from infra.case_store import CaseService
from infra.container import build_service
from infra.database import drop_database, init_schema
from infra.settings import Database, Settings
from tests.support.broker import BrokerUnavailableError, LocalS3, Tansu

ADMIN_URL = os.environ.get(
    "BOLASHAK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def postgres_unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required under CI=true: {reason}")
    pytest.skip(f"PostgreSQL not reachable: {reason}")


def new_postgres_settings(prefix: str = "bolashak_test") -> Settings:
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    return Settings(database=Database.parse(ADMIN_URL.rsplit("/", 1)[0] + "/" + name), pool_size=4)


@contextmanager
def postgres_database(prefix: str) -> Iterator[Settings]:
    """A new PostgreSQL database with the schema, dropped afterwards."""
    settings = new_postgres_settings(prefix)
    try:
        init_schema(settings)
    except psycopg.OperationalError as e:
        postgres_unavailable(str(e).strip())
    yield settings
    drop_database(settings.database)


@pytest.fixture(scope="session")
def postgres_settings() -> Iterator[Settings]:
    with postgres_database("bolashak_test") as settings:
        yield settings


@pytest.fixture
def fresh_postgres() -> Iterator[Settings]:
    """A PostgreSQL database of its own, for a test that looks at everything stored."""
    with postgres_database("bolashak_fresh") as settings:
        yield settings


@pytest.fixture(params=["sqlite", "postgres"])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The same test on the embedded default and on PostgreSQL."""
    if request.param == "postgres":
        settings: Settings = request.getfixturevalue("postgres_settings")
        return settings
    sqlite = Settings.from_env({"BOLASHAK_DATABASE_URL": f"sqlite:///{tmp_path}/cases.db"})
    init_schema(sqlite)
    return sqlite


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """A store of its own on each backend, for a test that reads every row or tampers."""
    if request.param == "postgres":
        yield request.getfixturevalue("fresh_postgres")
        return
    sqlite = Settings.from_env({"BOLASHAK_DATABASE_URL": f"sqlite:///{tmp_path}/cases.db"})
    init_schema(sqlite)
    yield sqlite


@contextmanager
def store_of_its_own(
    backend: str, name: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """An empty store on ``backend`` ("sqlite" or "postgres") for a module's fixture,
    dropped afterwards."""
    if backend == "postgres":
        with postgres_database(f"bolashak_{name}") as settings:
            yield settings
        return
    folder = tmp_path_factory.mktemp(name)
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": f"sqlite:///{folder}/{name}.db"})
    init_schema(settings)
    yield settings


def broker_unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"the Kafka-protocol broker (tansu) is required under CI=true: {reason}")
    pytest.skip(f"tansu not available: {reason}")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Tansu]:
    """A Kafka-protocol broker of its own (memory storage: a restart empties it)."""
    try:
        tansu = Tansu(tmp_path).start()
    except BrokerUnavailableError as e:
        broker_unavailable(str(e))
    yield tansu
    tansu.stop()


@pytest.fixture
def durable_broker(tmp_path: Path) -> Iterator[Tansu]:
    """A broker that keeps its records across a restart (s3 storage on a local S3)."""
    try:
        s3 = LocalS3().start()
        tansu = Tansu(tmp_path, s3=s3).start()
    except BrokerUnavailableError as e:
        broker_unavailable(str(e))
    yield tansu
    tansu.stop()
    s3.stop()


OpenService = Callable[[Settings, Clock], CaseService]


@pytest.fixture
def open_service() -> Iterator[OpenService]:
    """Command services on a store, each closed when the test ends. A service left open
    closes its connection pool when it is collected, from whichever thread collects it: in
    one of a pool's own worker threads, the pool cannot join that thread (an "exception
    ignored" warning in a later test)."""
    made: list[CaseService] = []

    def open_(store: Settings, clock: Clock) -> CaseService:
        made.append(build_service(store, clock=clock))
        return made[-1]

    yield open_
    for service in made:
        service.close()
