"""Fuzzing the command service: random sequences of random commands, plausible and absurd.

Whatever is sent, each command either succeeds or is refused with the domain's own error
(never another exception); a refused command stores nothing; every case's versions run
1, 2, 3... without a gap; and the case replayed from the store equals the one the service
keeps in its cache. ``FUZZ_EXAMPLES`` raises the number of examples. A failure prints the
shrunk sequence and a ``@reproduce_failure(...)`` line that replays it exactly; the seed
is fixed in CI (the ``ci`` profile: ``derandomize``), ``--hypothesis-seed=N`` fixes it
elsewhere.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from domain.case.application import Application
from domain.case.meta import Role
from domain.clock import FixedClock
from domain.commands import SubmitApplication
from domain.errors import DomainError
from domain.registry import BY_TYPE, spec_for
from domain.service import CommandResult, application_id_for
from infra.case_store import CaseService
from infra.container import build_service
from infra.database import init_schema
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.fuzz.strategies import command_of, contexts, fuzz_examples, one_field_changed
from tests.support import builders as b
from tests.support.journey import PATH, STEPS, Journey
from tests.support.sequences import KINDS, ROLES, command
from tests.support.stored import stored

pytestmark = [
    pytest.mark.unit,
    pytest.mark.filterwarnings("ignore:Generating overly large repr"),
]

SUBMIT_KEY = "fuzz-submit"
CASE_ID = application_id_for(SUBMIT_KEY)
FUZZ_KEYS = ("fuzz-a", "fuzz-b", SUBMIT_KEY)  # reused keys: replays, and reuse conflicts

WEAK_ENGLISH = b.submission(background=b.background(certificates=(b.ielts("5.5"),)))
submissions = st.one_of(
    st.just(WEAK_ENGLISH),
    st.just(WEAK_ENGLISH),  # valid: needs a language course, so every step can be reached
    one_field_changed(WEAK_ENGLISH, []),
    command_of(SubmitApplication, []),
)
# A step: the next step of the ordinary path, a step of the process in any order, or any
# command at all.
advance = st.tuples(st.just("advance"))
plausible = st.tuples(
    st.just("plausible"),
    st.sampled_from(KINDS),
    st.integers(min_value=-3, max_value=120),
    st.integers(min_value=1, max_value=5),
)
garbage = st.tuples(
    st.just("garbage"),
    st.sampled_from(tuple(BY_TYPE)).flatmap(lambda cls: command_of(cls, [CASE_ID])),
    contexts(st.one_of(st.sampled_from(FUZZ_KEYS), st.text(min_size=1, max_size=8))),
)
sequences = st.lists(st.one_of(advance, advance, plausible, garbage), min_size=1, max_size=25)


@contextmanager
def memory_service() -> Iterator[CaseService]:
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": "memory:"})
    with closing(build_service(settings, clock=FixedClock(FAR_FUTURE))) as service:
        yield service


@contextmanager
def sqlite_service() -> Iterator[CaseService]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.from_env({"BOLASHAK_DATABASE_URL": f"sqlite:///{folder}/cases.db"})
        init_schema(settings)
        with closing(build_service(settings, clock=FixedClock(FAR_FUTURE))) as service:
            yield service


def send(service: CaseService, cmd: Any, ctx: Any, touched: set[UUID]) -> CommandResult | None:
    """Sends one command and checks the service kept its promise about it."""
    before = stored(service)
    name = spec_for(cmd).name
    note(f"{name} {cmd!r:.300} {ctx!r:.300}")
    try:
        result: CommandResult = service.handle(cmd, ctx)
    except DomainError as refused:
        note(f"  refused: {refused!s:.200}")
        assert stored(service) == before, f"{name} was refused but stored events"
        return None
    touched.add(result.application_id)
    if result.replayed:
        assert stored(service) == before, "a replayed command stored events"
    else:
        assert stored(service) > before, "a command that succeeded stored nothing"
        assert service.get_case(result.application_id).version == result.version
    return result


class CheckedJourney(Journey):
    """The ordinary path, each command sent through ``send`` (and its checks)."""

    def __init__(self, service: CaseService, touched: set[UUID]) -> None:
        super().__init__(service)
        self.application_id = CASE_ID
        self.touched = touched
        self.count = 0

    def send(  # type: ignore[override]
        self,
        command: Any,
        on: Any,
        role: Role = Role.OFFICER,
        actor: str = "officer-1",
        **_: Any,
    ) -> CommandResult:
        self.count += 1
        name = spec_for(command).name
        ctx = b.context(f"j-{self.count}-{name}", on=on, role=role, actor=actor)
        result = send(self.service, command, ctx, self.touched)
        if result is None:
            raise StepRefusedError
        return result

    def next_step(self) -> None:
        stage = self.service.get_case(CASE_ID).stage
        order = [s for s, _ in PATH]
        later = order[order.index(stage) + 1 :] if stage in order else []
        if later:
            with contextlib.suppress(StepRefusedError):
                case = self.service.get_case(CASE_ID)
                STEPS[later[0]](self, max(dict(PATH)[later[0]], case.last_occurred_on))


class StepRefusedError(Exception):
    """A step of the ordinary path was refused (already checked by ``send``)."""


def state(case: Application) -> dict[str, Any]:
    return {k: v for k, v in vars(case).items() if k != "_pending_events"}


def check_cases(service: CaseService, touched: set[UUID]) -> None:
    for case_id in touched:
        versions = [e.originator_version for e in service.events.get(case_id)]
        assert versions == list(range(1, len(versions) + 1)), f"versions of {case_id}"
        assert state(service.get_case(case_id)) == state(service.cached_case(case_id))


def play(service: CaseService, submission: SubmitApplication, steps: list[Any]) -> None:
    touched: set[UUID] = set()
    send(service, submission, b.context(SUBMIT_KEY, role=Role.APPLICANT), touched)
    journey = CheckedJourney(service, touched)
    day = b.SUBMITTED_ON
    for i, step in enumerate(steps):
        if step[0] == "advance":
            if CASE_ID in touched:
                journey.next_step()
            continue
        if step[0] == "plausible":
            _, kind, offset, n = step
            day += timedelta(days=offset)
            ctx = b.context(f"p-{i}", on=day, role=ROLES.get(kind, Role.OFFICER), actor=f"a{n}")
            cmd = command(kind, CASE_ID, day, n)
        else:
            _, cmd, ctx = step
        send(service, cmd, ctx, touched)
    check_cases(service, touched)
    if CASE_ID in touched:
        event(f"case reached {service.get_case(CASE_ID).stage.value}")


@settings(max_examples=fuzz_examples(150), print_blob=True)
@given(
    submission=submissions,
    steps=sequences,
)
def test_any_command_sequence_succeeds_or_is_refused_cleanly_in_memory(
    submission: SubmitApplication, steps: list[Any]
) -> None:
    with memory_service() as service:
        play(service, submission, steps)


@settings(max_examples=fuzz_examples(150) // 6, print_blob=True)
@given(
    submission=submissions,
    steps=sequences,
)
def test_any_command_sequence_succeeds_or_is_refused_cleanly_on_sqlite(
    submission: SubmitApplication, steps: list[Any]
) -> None:
    with sqlite_service() as service:
        play(service, submission, steps)


def test_the_fuzzed_case_id_is_the_submissions() -> None:
    """The garbage commands aim at the case the sequence submits (not only at unknown ids)."""
    with memory_service() as service:
        result = service.handle(b.submission(), b.context(SUBMIT_KEY, role=Role.APPLICANT))
        assert result.application_id == CASE_ID
