"""The command service: every command runs one way (load, decide, save).

``CommandHandler.handle`` runs the commands, each found by its type in the registry
(``domain/registry.py``). Every command is checked for permission and input, is idempotent
by its key, and is decided again when another writer changed the same case meanwhile. It
loads and saves through the store port (``domain/store.py``); the event store that
implements it, and the ``CaseService`` the other layers use, are infra's
(``infra/case_store.py``).

The retry on a concurrent write lives here, on tenacity, rather than behind the port: what
is retried is the decision (a refusal on this process's copy of the case, or a save that
conflicts, is decided again on the case as stored), which is domain logic; tenacity is a
control-flow library with no I/O of its own, so the domain stays free of infrastructure.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson
from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
)

from domain import commands as c
from domain.case import events as ev
from domain.case.application import ERASED_ONCE, Application
from domain.case.meta import CommandContext, EventMeta
from domain.case.personal import ErasedIdentityError
from domain.case.stage import CaseStatus
from domain.clock import Clock, SystemClock
from domain.errors import (
    ApplicationNotFoundError,
    ConcurrencyConflictError,
    DomainError,
    IdempotencyKeyReusedError,
    InvalidInputError,
    TransitionRefusedError,
)
from domain.permissions import CARRY_OVER_AWARDS, check_allowed
from domain.quota.ledger import PlaceHolder, QuotaLedger
from domain.quota.steps import QuotaStep
from domain.registry import CommandSpec, spec_for
from domain.rules.campaign_places import (
    WITHIN_PLACES,
    CampaignPlaces,
    NoPlacesOnRecordError,
    places_for,
)
from domain.store import CaseStore, WriteConflictError
from domain.validation import validate_command, validate_context

APPLICATION_NAMESPACE = uuid5(NAMESPACE_URL, "https://bolashak.gov.kz/cases")
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U

# Attempts of a command on a case other writers keep changing: with N writers of one case
# at once each round stores at least one, so a writer may lose a round to every other; 16
# covers the sixteen the concurrency tests drive (an NEC's members scoring at once), each
# loss waiting a little longer than the one before (``_pause``).
MAX_ATTEMPTS = 16


def new_applicant_code() -> str:
    """A random, non-identifying code the NEC sees instead of the name (001 "Шифрование")."""
    bits = secrets.randbits(40)  # 8 symbols of 5 bits: one read of the system's randomness
    raw = "".join(CODE_ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))
    return f"BA-{raw[:4]}-{raw[4:]}"


def application_id_for(idempotency_key: str) -> UUID:
    """The id a submission gets: derived from its key, so a retried submission finds it."""
    return uuid5(APPLICATION_NAMESPACE, f"submit:{idempotency_key}")


@dataclass(frozen=True)
class CommandResult:
    application_id: UUID
    version: int
    replayed: bool  # True when the idempotency key had been seen: nothing new was stored
    notification_id: int | None = None  # position in the log of the last event stored
    # the events this command stored, in order (none when replayed): with a new case's
    # first events, its current state is known without reading them back. Left out of
    # the result's repr: a submission's event holds the applicant's identity in clear.
    events: tuple[ev.CaseEvent, ...] = field(default=(), repr=False)

    @property
    def whole_case(self) -> tuple[ev.CaseEvent, ...] | None:
        """Every event of the case, when this command stored all of them (a new case)."""
        if self.events and self.events[0].originator_version == 1:
            return self.events
        return None


@dataclass(frozen=True)
class CarriedOver:
    """What ``carry_over_awards`` did to a campaign's ledger: places reserved for awards
    stored before it, places given back for cases that left while it ran, the overrides
    recorded (awards beyond the places), and the ledger's version after (0: no ledger)."""

    campaign_year: int
    reserved: int
    returned: int
    overrides: int
    ledger_version: int


class StaleCopyError(Exception):
    """A command refused on this process's copy of the case: decide again on the stored
    case before answering the refusal."""


# What makes a command be decided again, on the case (and ledger) as stored: a refusal on
# this process's copy, a write another writer got in first, a submission retried after
# its case was erased.
DECIDED_AGAIN = (StaleCopyError, WriteConflictError, ErasedIdentityError)


class CommandHandler:
    """Runs the commands on the cases of ``store``."""

    def __init__(
        self,
        store: CaseStore,
        *,
        clock: Clock | None = None,
        code_generator: Callable[[], str] = new_applicant_code,
        max_attempts: int = MAX_ATTEMPTS,
        backdating_window: timedelta | None = None,
        places: Callable[[int], CampaignPlaces] = places_for,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.code_generator = code_generator
        self.max_attempts = max_attempts
        # how far before today a business date may lie without an admin's reason (None:
        # any date, as when a past campaign is replayed)
        self.backdating_window = backdating_window
        # a campaign's places, read when its quota ledger is opened (its first award)
        self.places = places
        # one command at a time per campaign ledger in this process (``_ledger_turn``)
        self._ledger_turns: dict[int, threading.Lock] = {}

    # -- every command, dispatched by its type ----------------------------------------------

    def handle(self, command: c.Command, ctx: CommandContext) -> CommandResult:
        """Runs ``command`` as its spec says (``domain/registry.py``): permission, input,
        idempotency, the decision on the case, the save (retried on a conflict)."""
        spec = spec_for(command)
        if isinstance(command, c.SubmitApplication):
            return self._submit(spec, command, ctx)
        if isinstance(command, c.ErasePersonalData):
            return self._erase(spec, command, ctx)
        return self._run(command.application_id, ctx, command, spec)

    def _submit(
        self, spec: CommandSpec[c.SubmitApplication], cmd: c.SubmitApplication, ctx: CommandContext
    ) -> CommandResult:
        app_id = application_id_for(ctx.idempotency_key)
        assert spec.create is not None
        create = spec.create

        def new_case(meta: EventMeta) -> Application:
            return create(cmd, app_id, self.code_generator, meta)

        return self._run(app_id, ctx, cmd, spec, new_case)

    def _erase(
        self, spec: CommandSpec[c.ErasePersonalData], cmd: c.ErasePersonalData, ctx: CommandContext
    ) -> CommandResult:
        """Records ``PersonalDataErased``, then destroys the case's data key.

        The event comes first: a crash before the key is destroyed leaves an erasure that
        running the command again completes (a case already erased records nothing new,
        destroys the key if it is still there, and answers ``replayed``)."""
        check_allowed(spec.name, ctx.role)
        if not ctx.reason.strip():
            raise InvalidInputError.single("reason", "required", "an erasure must say why")
        try:
            result = self._run(cmd.application_id, ctx, cmd, spec)
        except TransitionRefusedError as e:
            if e.rule != ERASED_ONCE:
                raise
            case = self.store.stored_case(cmd.application_id)
            result = CommandResult(case.id, case.version, True)
        self.store.destroy_personal_data(cmd.application_id)
        return result

    # -- the one way a command runs ----------------------------------------------------------

    def _run(
        self,
        application_id: UUID,
        ctx: CommandContext,
        cmd: Any,
        spec: CommandSpec[Any],
        create: Callable[[EventMeta], Application] | None = None,
    ) -> CommandResult:
        name = spec.name
        check_allowed(name, ctx.role)
        backdated = validate_context(ctx, self.clock.today(), self.backdating_window)
        validate_command(cmd, ctx.occurred_on)
        fingerprint = fingerprint_of(name, cmd, ctx)
        meta = _meta(ctx, name, fingerprint, backdated)
        try:  # the first attempt trusts this process's copy, without the retry machinery
            return self._decide(application_id, ctx, cmd, spec, meta, create, False)
        except DECIDED_AGAIN as failed:
            first = failed
        retrying = Retrying(
            retry=retry_if_exception_type(DECIDED_AGAIN),
            stop=stop_after_attempt(self.max_attempts),
            wait=_pause,
        )
        try:
            for attempt in retrying:
                with attempt:
                    if attempt.retry_state.attempt_number == 1:
                        raise first  # the plain attempt's failure is tenacity's first
                    return self._decide(application_id, ctx, cmd, spec, meta, create, True)
        except RetryError:
            pass
        raise ConcurrencyConflictError(application_id, self.max_attempts)

    def _decide(
        self,
        application_id: UUID,
        ctx: CommandContext,
        cmd: Any,
        spec: CommandSpec[Any],
        meta: EventMeta,
        create: Callable[[EventMeta], Application] | None,
        fresh: bool,
    ) -> CommandResult:
        """One attempt: load, replay a known key, decide, save. Raises ``StaleCopyError``
        for a refusal on this process's copy; ``WriteConflictError`` when another writer
        got there first, or ``ErasedIdentityError`` for a submission retried after its case
        was erased (its key is gone, its events are not): decided again on the stored case."""
        case = self._load(application_id, must_exist=create is None, fresh=fresh)
        if case is not None and ctx.idempotency_key in case.commands:
            return _replay(case, ctx.idempotency_key, meta.command_fingerprint)
        ledger: QuotaLedger | None = None
        with self._ledger_turn(spec, case):
            try:
                if case is None:
                    assert create is not None
                    case = create(meta)
                else:
                    spec.apply(cmd, case, meta)
                    if spec.quota is not None:
                        ledger = self._quota_step(spec.quota, case, meta, fresh)
            except DomainError as refusal:
                if fresh:
                    raise
                raise StaleCopyError(str(refusal)) from refusal
            saved = self.store.save_case(case, ledger)
        return CommandResult(case.id, case.version, False, saved.notification_id, saved.events)

    def _ledger_turn(
        self, spec: CommandSpec[Any], case: Application | None
    ) -> AbstractContextManager[object]:
        """For a command with a quota step: this process's turn at the case's campaign
        ledger, held from deciding to saving. Every award of a campaign writes the next
        version of one ledger, so two decided at once on the same copy would conflict and
        one be decided again; in turn, each is decided on the copy the one before saved.
        Writers in other processes still meet as conflicts on the ledger's version."""
        if spec.quota is None or case is None:
            return nullcontext()
        return self._ledger_turn_of(case.campaign_year)

    def _ledger_turn_of(self, year: int) -> threading.Lock:
        """This process's lock on the campaign's ledger (made once, at its first use)."""
        turn = self._ledger_turns.get(year)
        if turn is None:
            turn = self._ledger_turns.setdefault(year, threading.Lock())
        return turn

    def _quota_step(
        self, step: QuotaStep, case: Application, meta: EventMeta, fresh: bool
    ) -> QuotaLedger | None:
        """The case's campaign ledger after ``step`` (opened by an award when the campaign
        has none yet); None when the step has nothing to do."""
        year = case.campaign_year
        held = None if fresh else self.store.held_ledger(year)
        ledger = held if held is not None else self.store.stored_ledger(year)
        if ledger is None:
            if not step.opens:
                return None
            try:
                ledger = QuotaLedger.open(self.places(year), meta)
            except NoPlacesOnRecordError as e:
                stage = case.stage.value
                raise TransitionRefusedError(meta.command, stage, WITHIN_PLACES, str(e)) from None
        step.apply(case, ledger, meta)
        return ledger

    # -- an operator's step: the awards stored before the ledger -----------------------------

    def carry_over_awards(
        self, year: int, candidates: Sequence[UUID], ctx: CommandContext
    ) -> CarriedOver:
        """Gives the campaign's ledger a place for each award stored before it was opened
        (a store upgraded from a version without the ledger), opening it if need be, so
        that it counts every place the campaign's awards take. Admins only, with a reason.

        ``candidates``: the cases with a stored award of any campaign (the caller scans the
        log for them); each is read as stored, and holds a place while it is a scholar's
        (awarded, not revoked nor withdrawn) of this campaign. After the save, the cases
        whose place the ledger holds are read again: one revoked or withdrawn meanwhile
        (its return found no place to give back) gives its place back, also when it left
        between an attempt that reserved its place and the attempt decided again after a
        conflict. Running it again adds nothing."""
        check_allowed(CARRY_OVER_AWARDS, ctx.role)
        if not ctx.reason.strip():
            raise InvalidInputError.single("reason", "required", "a carry-over must say why")
        backdated = validate_context(ctx, self.clock.today(), self.backdating_window)
        fingerprint = fingerprint_of(CARRY_OVER_AWARDS, year, ctx)
        meta = _meta(ctx, CARRY_OVER_AWARDS, fingerprint, backdated)
        retrying = Retrying(
            retry=retry_if_exception_type(WriteConflictError),
            stop=stop_after_attempt(self.max_attempts),
            wait=_pause,
            reraise=True,
        )
        for attempt in retrying:
            with attempt, self._ledger_turn_of(year):
                return self._carry_over(year, candidates, meta)
        raise AssertionError("unreachable: the last attempt's error is raised")

    def _carry_over(self, year: int, candidates: Sequence[UUID], meta: EventMeta) -> CarriedOver:
        holders = [h for h in map(self._holder, candidates) if h and h.campaign_year == year]
        ledger = self.store.stored_ledger(year)
        if ledger is None and holders:
            try:
                ledger = QuotaLedger.open(self.places(year), meta)
            except NoPlacesOnRecordError as e:
                raise InvalidInputError.single("year", WITHIN_PLACES, str(e)) from None
        if ledger is None:
            return CarriedOver(year, 0, 0, 0, 0)
        overrides = ledger.total("overrides")
        carried = [h.place for h in holders if not ledger.holds(h.place.application_id)]
        reserved = ledger.carry_over(meta, carried)
        overrides = ledger.total("overrides") - overrides
        self.store.save_ledger(ledger)
        # The give-backs are made on a copy of the ledger as saved: the saved one is now
        # this process's copy, which a give-back whose save fails must leave as stored.
        ledger = self.store.held_ledger(year) or self.store.stored_ledger(year)
        assert ledger is not None  # saved just now
        returned = 0
        for case_id in candidates:  # read again: a case may have left while it was carried over
            if ledger.holds(case_id) and self._holder(case_id) is None:
                ledger.give_back(meta, case_id)
                returned += 1
        if returned:
            self.store.save_ledger(ledger)
        return CarriedOver(year, reserved, returned, overrides, ledger.version)

    def _holder(self, application_id: UUID) -> _Holder | None:
        """The case's place, when it holds one now (a scholar's, as stored)."""
        case = self.store.stored_case(application_id)
        if case.stage.status is not CaseStatus.SCHOLAR:
            return None
        category = case.plan.category.value
        place = PlaceHolder(case.id, category, case.protocol_number)
        return _Holder(case.campaign_year, place)

    def _load(self, application_id: UUID, *, must_exist: bool, fresh: bool) -> Application | None:
        """The case as this process last saw it (a stale copy shows as a conflict on save,
        or is re-read before a refusal), or, when ``fresh``, as stored now.

        A submission whose case this process has not seen is taken to be new without a
        read: if the case exists after all (a retry handled by another process), saving
        its first event conflicts, and the next attempt reads it and replays the result.
        """
        if not fresh:
            held = self.store.held_case(application_id)
            if held is not None or not must_exist:
                return held
        try:
            return self.store.stored_case(application_id)
        except ApplicationNotFoundError:
            if must_exist:
                raise
            return None


@dataclass(frozen=True)
class _Holder:
    campaign_year: int
    place: PlaceHolder


def _pause(state: RetryCallState) -> float:
    """Seconds before the next attempt: none to decide again on the stored case; after a
    conflicting write, a random 0 to 15 ms times the attempt, so that two writers of one
    case do not meet again."""
    failed = state.outcome.exception() if state.outcome is not None else None
    if isinstance(failed, StaleCopyError):
        return 0.0
    return 0.005 * state.attempt_number * secrets.randbelow(4)


def fingerprint_of(name: str, cmd: object, ctx: CommandContext) -> str:
    """A digest of the command and who sends it, to tell a retry from a reuse of its key
    (another actor's identical command with the same key is a reuse, not a retry).

    The command's fields as canonical JSON (orjson serialises the dataclass, its nested
    dataclasses, dates, ids and enums; decimals as text)."""
    text = orjson.dumps(
        [name, cmd, ctx.actor_id, ctx.role.value],
        option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
        default=str,
    )
    return hashlib.sha256(text).hexdigest()[:32]


def _meta(ctx: CommandContext, name: str, fingerprint: str, backdated: bool) -> EventMeta:
    command_id = str(uuid5(APPLICATION_NAMESPACE, f"command:{ctx.idempotency_key}"))
    return EventMeta(
        actor_id=ctx.actor_id,
        actor_role=ctx.role,
        reason=ctx.reason,
        correlation_id=ctx.correlation_id or command_id,
        causation_id=ctx.causation_id or command_id,
        occurred_on=ctx.occurred_on,
        idempotency_key=ctx.idempotency_key,
        command=name,
        command_fingerprint=fingerprint,
        backdating_reason=ctx.backdating_reason if backdated else "",
        traceparent=ctx.traceparent,
    )


def _replay(case: Application, key: str, fingerprint: str) -> CommandResult:
    first_fingerprint, version, first_command = case.commands[key]
    if first_fingerprint != fingerprint:
        raise IdempotencyKeyReusedError(key, first_command)
    return CommandResult(case.id, version, True)
