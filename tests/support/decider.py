"""Given/when/then for the aggregate, after Emmett's ``DeciderSpecification``:

    given(*path_to(Stage.TESTED)).when(c.RecordTesting(CASE, 99, 99)).then_refused(
        "testing_after_eligibility_no_retake"
    )

Given the events a case has, when a command is decided on it, then these events are
recorded (``then(event(Type, field=value, ...))``, each event's named fields compared), or
the step is refused by this rule (``then_refused``), or an input by this rule
(``then_invalid``). The command is decided as the service decides it, by its spec in the
registry (the process's guard, then the transition), on the case folded from the given
events: no store, no service. Who may send it and its field checks are the service's
(tests of ``CaseService.handle``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from domain import commands as c
from domain.case.application import Application
from domain.case.events import CaseEvent
from domain.case.meta import EventMeta, Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.errors import DomainError, InvalidInputError, TransitionRefusedError
from domain.registry import spec_for
from domain.service import application_id_for
from infra.container import build_service
from infra.settings import Settings
from tests.support.dates import FAR_FUTURE
from tests.support.journey import PATH, Journey

CASE_KEY = "given-case"
CASE = application_id_for(CASE_KEY)  # the case of every ``path_to``
APPLICANT_CODE = "BA-GIVE-N000"


@functools.cache
def path_to(stage: Stage, submission: c.SubmitApplication | None = None) -> tuple[CaseEvent, ...]:
    """The events of case ``CASE`` (submitted as ``submission``, by default the builders')
    taken along the ordinary path (tests/support/journey.py) up to ``stage``, as the service
    stores them (on the in-memory store)."""
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": "memory:"})
    service = build_service(settings, clock=FixedClock(FAR_FUTURE))
    try:
        journey = Journey(service, submission)
        submitted_on = dict(PATH)[Stage.SUBMITTED]
        journey.send(
            journey.submission, submitted_on, Role.APPLICANT, "egov", idempotency_key=CASE_KEY
        )
        journey.to(stage)
        return tuple(service.events.get(CASE))  # type: ignore[arg-type]
    finally:
        service.close()


@dataclass(frozen=True)
class Expected:
    """An event expected: its type, and the values of the fields named."""

    type: type[CaseEvent]
    fields: dict[str, Any]


def event(event_type: type[CaseEvent], **fields: Any) -> Expected:
    return Expected(event_type, fields)


def given(*events: CaseEvent) -> Given:
    return Given(events)


@dataclass(frozen=True)
class Given:
    events: tuple[CaseEvent, ...]

    def when(
        self,
        command: c.Command,
        *,
        on: date | None = None,
        role: Role = Role.OFFICER,
        actor: str = "officer-1",
        reason: str = "",
    ) -> When:
        """Decides ``command`` on the case, on business date ``on`` (by default the day of
        the last given event)."""
        spec = spec_for(command)
        meta = EventMeta(
            actor_id=actor,
            actor_role=role,
            reason=reason,
            correlation_id="given-when-then",
            causation_id="given-when-then",
            occurred_on=on or self._last_day(),
            idempotency_key=f"when-{spec.name}",
            command=spec.name,
            command_fingerprint="",
        )
        case = self._case()
        try:
            if spec.create is not None:
                case = spec.create(command, CASE, lambda: APPLICANT_CODE, meta)
            else:
                assert case is not None, "a command on a case needs the case's events"
                spec.apply(command, case, meta)
        except DomainError as e:
            return When(command, None, e)
        assert case is not None
        return When(command, case, None)

    def _last_day(self) -> date:
        return self.events[-1].meta.occurred_on if self.events else dict(PATH)[Stage.SUBMITTED]

    def _case(self) -> Application | None:
        case: Any = None
        for e in self.events:
            case = e.mutate(case)
        return case  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Then:
    case: Application  # after the events
    events: tuple[CaseEvent, ...]  # recorded by the command, to be given to the next


@dataclass(frozen=True)
class When:
    command: object
    case: Application | None  # after the command (None when it was refused)
    error: DomainError | None

    def then(self, *expected: Expected) -> Then:
        """These events were recorded, in this order (none: nothing was)."""
        if self.error is not None:
            raise AssertionError(f"{self.command!r} was refused: {self.error}") from self.error
        assert self.case is not None
        recorded = tuple(cast(CaseEvent, e) for e in self.case.pending_events)
        types = [type(e).__name__ for e in recorded]
        assert types == [x.type.__name__ for x in expected], f"recorded {types}"
        for found, wanted in zip(recorded, expected, strict=True):
            values = {name: getattr(found, name) for name in wanted.fields}
            assert values == wanted.fields, f"{wanted.type.__name__}: {values}"
        return Then(self.case, recorded)

    def then_refused(self, rule: str) -> TransitionRefusedError:
        """The step was refused by ``rule``: nothing recorded."""
        error = self._refusal()
        assert isinstance(error, TransitionRefusedError), f"{error!r} is not a refusal"
        assert error.rule == rule, f"refused by {error.rule}: {error}"
        return error

    def then_invalid(self, field: str, rule: str) -> InvalidInputError:
        """An input was refused (``field`` by ``rule``): nothing recorded."""
        error = self._refusal()
        assert isinstance(error, InvalidInputError), f"{error!r} is not an input error"
        found = [(e.field, e.rule) for e in error.errors]
        assert (field, rule) in found, f"input errors: {found}"
        return error

    def _refusal(self) -> DomainError:
        if self.error is None:
            assert self.case is not None
            recorded = [type(e).__name__ for e in self.case.pending_events]
            raise AssertionError(f"{self.command!r} was not refused: it recorded {recorded}")
        return self.error
