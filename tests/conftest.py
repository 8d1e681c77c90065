"""Shared fixtures: services on every backend, a fixed clock, hypothesis profiles."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import infra.settings
from domain.clock import FixedClock
from infra.case_store import CaseService
from infra.container import build_service
from infra.settings import Settings
from tests.support.dates import FAR_FUTURE as FAR_FUTURE  # re-exported: the tests import it here

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60
)
settings.register_profile("ci", parent=settings.get_profile("default"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "default")

# One PII master key for the test process and every server or worker it starts (each
# subprocess runs in a folder of its own, where a development key would differ).
TEST_PII_MASTER_KEY = base64.b64encode(hashlib.sha256(b"e2e tests only").digest()).decode()
os.environ["BOLASHAK_PII_MASTER_KEY"] = TEST_PII_MASTER_KEY


# The suite drives 2023 cases with clocks years later (FAR_FUTURE): history recorded long
# after the fact, which the backdating window refuses without an admin's reason (issue 19).
# Every store the tests make, and every process they start, has the window that wide; the
# window's own tests set theirs (tests/integration/test_business_dates.py).
HISTORY_WINDOW_DAYS = 100 * 366
infra.settings.BACKDATING_WINDOW_DAYS = HISTORY_WINDOW_DAYS
os.environ["BOLASHAK_BACKDATING_WINDOW_DAYS"] = str(HISTORY_WINDOW_DAYS)


# The tier of every test in a folder: its mark is added here, never restated in a test file
# (a file outside these folders, in fuzz/ or security/, marks its own tier).
TIERS = {"unit": "unit", "integration": "integration", "e2e": "e2e", "faults": "integration"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = str(item.path).replace(os.sep, "/")
        for folder, tier in TIERS.items():
            if f"tests/{folder}/" in path:
                item.add_marker(getattr(pytest.mark, tier))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FAR_FUTURE)


@pytest.fixture
def service(clock: FixedClock) -> Iterator[CaseService]:
    """The command service on the in-memory store."""
    svc = build_service(Settings.from_env({"BOLASHAK_DATABASE_URL": "memory:"}), clock=clock)
    yield svc
    svc.close()


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    from infra.database import init_schema

    current = Settings.from_env({"BOLASHAK_DATABASE_URL": f"sqlite:///{tmp_path}/cases.db"})
    init_schema(current)
    return current


@pytest.fixture(scope="session", autouse=True)
def no_personal_data_in_server_logs() -> Iterator[None]:
    """After the whole session: no line any server or worker of the suite logged holds an
    applicant's name, an IIN or a bearer token (tests/support/server_logs.py)."""
    yield
    from tests.support import server_logs

    found = list(server_logs.leaks_in(server_logs.WRITTEN))
    assert not found, "personal data or tokens in server logs:\n" + "\n".join(found[:20])
