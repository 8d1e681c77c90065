"""The contract deadline job (000 lines 36-45): revokes on day 91, not on day 90, once."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from domain import commands as c
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from infra.container import build_projection_engine
from infra.deadline_job import DeadlineJob
from infra.settings import Settings
from tests.conftest import FAR_FUTURE, TEST_PII_MASTER_KEY
from tests.integration.conftest import OpenService
from tests.support.journey import PROTOCOL_DATE, Journey

DAY_90 = PROTOCOL_DATE + timedelta(days=90)
DAY_91 = PROTOCOL_DATE + timedelta(days=91)
BOLASHAK = str(Path(sys.executable).parent / "bolashak")


def awarded_case(
    store: Settings, open_service: OpenService
) -> tuple[Journey, DeadlineJob, FixedClock]:
    clock = FixedClock(DAY_90)
    j = Journey(open_service(store, FixedClock(FAR_FUTURE)))
    j.to(Stage.AWARDED)
    engine = build_projection_engine(store, ["deadlines"])
    engine.run_until_head()
    return j, DeadlineJob(open_service(store, clock), engine.db, clock), clock


def test_nothing_is_revoked_on_day_90(store_settings: Settings, open_service: OpenService) -> None:
    j, job, _ = awarded_case(store_settings, open_service)
    assert j.id not in job.run_once().revoked
    assert j.service.get_case(j.id).stage is Stage.AWARDED


def test_the_status_is_revoked_on_day_91(
    store_settings: Settings, open_service: OpenService
) -> None:
    j, job, clock = awarded_case(store_settings, open_service)
    clock.advance(1)
    run = job.run_once()
    assert j.id in run.revoked
    case = j.service.get_case(j.id)
    assert case.stage is Stage.REVOKED
    event = list(j.service.events.get(j.id))[-1]
    assert (event.meta.actor_role, event.meta.occurred_on) == (Role.SYSTEM, DAY_91)  # type: ignore[attr-defined]


def test_a_job_run_twice_or_restarted_revokes_once(
    store_settings: Settings, open_service: OpenService
) -> None:
    j, job, clock = awarded_case(store_settings, open_service)
    clock.advance(1)
    job.run_once()
    restarted = DeadlineJob(open_service(store_settings, clock), job.views, clock)
    clock.advance(3)
    again = restarted.run_once()  # the read model has not caught up yet: same case again
    assert j.id in again.already
    revocations = [e for e in j.service.events.get(j.id) if type(e).__name__ == "StatusRevoked"]
    assert len(revocations) == 1


def test_contracts_signed_in_time_are_not_revoked(
    store_settings: Settings, open_service: OpenService
) -> None:
    j, job, clock = awarded_case(store_settings, open_service)
    j.send(c.SignContracts(j.id, "TC-1", "SC-1"), DAY_90)
    clock.advance(1)
    run = job.run_once()  # the read model still says open: the aggregate refuses
    assert run.revoked == []
    assert [case_id for case_id, _ in run.refused] == [j.id]
    assert j.service.get_case(j.id).stage is Stage.CONTRACTED


def test_the_command_line_job_revokes_as_of_a_given_day(
    store_settings: Settings, open_service: OpenService
) -> None:
    j, _, _ = awarded_case(store_settings, open_service)
    env = {
        "BOLASHAK_DATABASE_URL": store_settings.database.url,
        "BOLASHAK_PII_MASTER_KEY": TEST_PII_MASTER_KEY,
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [BOLASHAK, "deadlines", "run", "--once", "--today", DAY_91.isoformat()],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert str(j.id) in out
    assert j.service.get_case(j.id).stage is Stage.REVOKED
