"""The campaign's commands decided before the clock starts, then sent by the writers.

The in-process write lines (``command_throughput``, ``write_concurrent`` and its curve and
ceiling) measure the command path: a command validated, decided by the rules, chained,
sealed and stored. The campaign simulator (``infra/simulation/campaign.py``) also plays the
people who send the commands, and deciding each next step (drawing dates and scores,
reading the case's stage) is Python of its own: run inside the measured time, under the
same interpreter lock as the command path, it was about a fifth of the line's time. In
production those decisions are made by people and by eGov outside the server process, and
the raw baseline's rows are made before its clock starts too. So the campaign is first
played once on a store in this process's memory (``record_campaign``), one case after
the other, and each case's commands are kept in order, with their contexts and
idempotency keys; the measured writers then send exactly those commands to the store
under measurement (``replay``).

The recording is made one case at a time, so the first N cases of a recording are the
recording of N cases (each case's decisions depend only on the cases before it, through
the quota's places): one recording serves every size of a run. A command the store under
measurement refuses by a rule ends its case, as it ended the simulated case (the
simulator stops a case at its first refusal).
"""

from __future__ import annotations

import functools
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TypeVar
from uuid import UUID

from bench.harness import percentile
from domain import commands as c
from domain.case.meta import CommandContext
from domain.clock import FixedClock
from domain.errors import DomainError
from infra.case_store import CaseService
from infra.container import build_service
from infra.event_store import LockedInsertRecorder
from infra.settings import Settings
from infra.simulation.campaign import deal, simulate_campaign
from infra.simulation.desk import ServiceDesk

Step = tuple[c.Command, CommandContext]
S = TypeVar("S")


@dataclass(frozen=True)
class Recording:
    """Each case's commands in the order they were sent, cases in their numbers' order,
    and each case's version once they were carried out (its events)."""

    scripts: tuple[tuple[Step, ...], ...]
    versions: tuple[int, ...]

    @property
    def events(self) -> int:
        return sum(self.versions)

    def first(self, cases: int) -> Recording:
        """The recording of the first ``cases`` cases."""
        if cases > len(self.scripts):
            raise ValueError(f"the recording holds {len(self.scripts)} cases, not {cases}")
        return Recording(self.scripts[:cases], self.versions[:cases])


@dataclass(frozen=True)
class Replayed:
    """What a replay stored, how fast (events/s over the writers' wall time), the share of
    its saves the store committed in a group (``infra/event_store.py``; none in memory or
    through the API), the cases a rule's refusal ended, and each command's latency in ms."""

    rate: float
    events: int
    grouped: float
    refused: int
    command_ms: list[float] = field(repr=False)

    @property
    def p95(self) -> float:
        """The p95 latency of one command, in ms (0 when none was sent)."""
        return percentile(self.command_ms, 0.95) if self.command_ms else 0.0


class _RecordingDesk(ServiceDesk):
    """The in-process desk, keeping each command sent and the case's version after it, by
    the case's number (the simulator's idempotency keys are ``sim-SEED-CASE-STEP``)."""

    def __init__(self, service: CaseService) -> None:
        super().__init__(service)
        self.sent: defaultdict[int, list[Step]] = defaultdict(list)
        self.versions: dict[int, int] = {}

    def send(self, command: c.Command, ctx: CommandContext) -> UUID:
        number = int(ctx.idempotency_key.split("-")[2])
        self.sent[number].append((command, ctx))
        result = self.service.handle(command, ctx)
        self.versions[number] = result.version
        return result.application_id


@functools.cache
def record_campaign(cases: int, *, seed: int, today: date) -> Recording:
    """The simulated campaign's first ``cases`` cases, decided one at a time on a store in
    memory (the replayed history's backdating, the business date ``today``); made once per
    process and arguments."""
    # the process's master key (settings from a partial mapping take it): this module sets
    # none, so that importing it changes nothing in a test process
    memory = Settings.from_env({"BOLASHAK_DATABASE_URL": "memory:"})
    service = build_service(memory.replaying_history(), clock=FixedClock(today))
    try:
        desk = _RecordingDesk(service)
        summary = simulate_campaign(desk, cases, seed=seed, today=today, workers=1)
    finally:
        service.close()
    numbers = sorted(desk.sent)
    recording = Recording(
        tuple(tuple(desk.sent[n]) for n in numbers),
        tuple(desk.versions.get(n, 0) for n in numbers),
    )
    if len(numbers) != cases or recording.events != summary.events:
        raise RuntimeError(
            f"the recording holds {len(numbers)} cases and {recording.events} events; the"
            f" simulator counted {cases} and {summary.events}"
        )
    return recording


def replay(service: CaseService, recording: Recording, writers: int) -> Replayed:
    """The recording's commands sent to ``service`` from ``writers`` threads, each case's
    in order on one thread (cases dealt in their order, as the simulator deals them)."""
    replayed = replay_steps(recording.scripts, lambda step: service.handle(*step).version, writers)
    recorder = service.recorder
    saves = replayed.events  # nearly one event per save
    if isinstance(recorder, LockedInsertRecorder) and saves:
        return replace(replayed, grouped=recorder.grouped / saves)
    return replayed


def replay_steps(
    scripts: Sequence[Sequence[S]], send: Callable[[S], int], writers: int
) -> Replayed:
    """Each script's steps sent in order by ``send`` (which answers the case's version after
    the step, or raises the rule's ``DomainError``), from ``writers`` threads, each script
    on one thread, scripts dealt in their order. A refused step ends its script, as the
    simulator ends a case at its first refusal; the events are the cases' last versions."""
    command_ms: list[float] = []
    versions: list[int] = []
    refused = 0
    lock = threading.Lock()

    def one(script: Sequence[S]) -> None:
        nonlocal refused
        version, times, ended = 0, [], False
        for step in script:
            started = time.perf_counter()
            try:
                version = send(step)
            except DomainError:
                ended = True
                break  # refused by a rule: the simulated case ended here too
            finally:
                times.append((time.perf_counter() - started) * 1000)
        with lock:
            command_ms.extend(times)
            versions.append(version)
            refused += ended

    started = time.perf_counter()
    deal(scripts, one, writers)
    elapsed = time.perf_counter() - started
    events = sum(versions)
    return Replayed(events / elapsed, events, 0.0, refused, command_ms)


def replay_on(settings: Settings, recording: Recording, writers: int, *, today: date) -> Replayed:
    """``replay`` on a command service of its own on ``settings`` (the replayed history's
    backdating, the business date ``today``), closed afterwards."""
    service = build_service(settings.replaying_history(), clock=FixedClock(today))
    try:
        return replay(service, recording, writers)
    finally:
        service.close()
