"""The in-process write benchmarks' recorded campaign (``bench/campaign_scripts.py``): the
people's decisions made once, before the clock, and the same commands sent by the measured
writers store the same cases."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date

from bench.campaign_scripts import Recording, Step, record_campaign, replay
from domain import commands as c
from domain.clock import FixedClock
from infra.case_store import CaseService
from infra.container import build_service
from infra.settings import Settings

TODAY = date(2026, 11, 22)
SEED = 11


def _store() -> CaseService:
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": "memory:"})
    return build_service(settings.replaying_history(), clock=FixedClock(TODAY))


def test_replaying_a_recording_from_several_writers_stores_every_recorded_event() -> None:
    recording = record_campaign(40, seed=SEED, today=TODAY)
    service = _store()
    replayed = replay(service, recording, writers=4)
    assert recording.events > 40 * 3
    assert replayed.events == recording.events
    assert len(replayed.command_ms) == sum(len(script) for script in recording.scripts)
    log = service.recorder.select_notifications(start=1, limit=1_000_000)
    case_events = [n for n in log if ".case.events:" in n.topic]
    assert len(case_events) == recording.events
    service.close()


def test_the_first_cases_of_a_recording_are_the_recording_of_as_many_cases() -> None:
    """Cases are decided one after the other, so a larger recording begins with a smaller
    one: one recording serves every size of a run."""
    larger, smaller = (
        record_campaign(30, seed=SEED, today=TODAY),
        record_campaign(12, seed=SEED, today=TODAY),
    )
    assert larger.first(12) == smaller


def test_a_command_refused_on_replay_ends_its_case_there() -> None:
    """As the simulator stops a case at its first refusal: the steps after it are not sent
    (here a second assessment of an assessed case, under a key of its own)."""
    recording = record_campaign(5, seed=SEED, today=TODAY)
    number, script = next((i, s) for i, s in enumerate(recording.scripts) if len(s) > 4)
    assess, assess_ctx = script[1]
    assert isinstance(assess, c.AssessEligibility)
    again = (assess, replace(assess_ctx, idempotency_key=f"{assess_ctx.idempotency_key}-again"))

    def with_case(steps: tuple[Step, ...]) -> Recording:
        scripts = list(recording.scripts)
        scripts[number] = steps
        return Recording(tuple(scripts), recording.versions)

    refused = replay(_store(), with_case((*script[:2], again, *script[2:])), writers=1)
    cut = replay(_store(), with_case(script[:2]), writers=1)
    assert refused.events == cut.events < recording.events
    assert len(refused.command_ms) == len(cut.command_ms) + 1  # the refused one, timed
    assert (refused.refused, cut.refused) == (1, 0)


def test_importing_the_recorder_changes_no_environment_variable() -> None:
    """The benchmarks' data module sets the bench's master key in its process's environment
    (for the servers it starts); a test process that imports the recorder must keep its own
    key, which the processes it starts and the settings it makes rely on."""
    check = (
        "import os; before = dict(os.environ); import bench.campaign_scripts;"
        " changed = sorted(k for k in set(before) | set(os.environ)"
        " if before.get(k) != os.environ.get(k)); print(changed); assert not changed"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
