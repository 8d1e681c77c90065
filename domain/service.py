"""The case service: every command runs one way (load, decide, save).

``CaseEvents`` is the event-sourced application every reader builds (projections, relay,
audit): same name, same tables, same codec. ``CaseService.handle`` adds the commands, each
found by its type in the registry (``domain/registry.py``). Every command is checked for
permission and input, is idempotent by its key, and is retried on a concurrent write to
the same case.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.application import Application as EventSourcedApplication
from eventsourcing.persistence import InfrastructureFactory, Mapper, RecordConflictError
from eventsourcing.utils import EnvType, resolve_topic

from domain import commands as c
from domain.case import events as ev
from domain.case.application import ERASED_ONCE, Application
from domain.case.meta import CommandContext, EventMeta
from domain.case.personal import ErasedIdentityError, Sealer
from domain.clock import Clock, SystemClock
from domain.errors import (
    ApplicationNotFoundError,
    ConcurrencyConflictError,
    DomainError,
    IdempotencyKeyReusedError,
    InvalidInputError,
    TransitionRefusedError,
)
from domain.permissions import check_allowed
from domain.registry import CommandSpec, spec_for
from domain.transcodings import DomainMapper, NoSealerError
from domain.validation import validate_command, validate_context

APPLICATION_NAMESPACE = uuid5(NAMESPACE_URL, "https://bolashak.gov.kz/cases")
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U

LATEST = 2**62  # "up to this version": every stored event, read past the cache
SEALER_TOPIC = "PII_SEALER_TOPIC"


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


class CaseEvents(EventSourcedApplication[UUID]):
    """The event store of the cases, for readers and writers alike."""

    name = "Bolashak"

    def construct_mapper(self) -> Mapper[UUID]:
        return DomainMapper(
            transcoder=self.construct_transcoder(),
            cipher=self.factory.cipher(),
            compressor=self.factory.compressor(),
            sealer=self._sealer(),
        )

    def _sealer(self) -> Sealer | None:
        """The keeper of the cases' data keys, named by ``PII_SEALER_TOPIC`` (infra's, as
        the library names its recorder by a topic): called with the environment and the
        store's factory, so that the keys live in the event store's own database."""
        topic = self.env.get(SEALER_TOPIC)
        if not topic:
            return None
        make: Callable[[Any, InfrastructureFactory[Any]], Sealer] = resolve_topic(topic)
        return make(self.env, self.factory)

    @property
    def sealer(self) -> Sealer:
        found = getattr(self.mapper, "sealer", None)
        if found is None:
            raise NoSealerError("this store was built without PII_SEALER_TOPIC")
        return found  # type: ignore[no-any-return]

    def events_table(self) -> str:
        """The library's table of stored events: ``bolashak_events`` on PostgreSQL (named
        after the application), ``stored_events`` on SQLite."""
        return str(getattr(self.recorder, "events_table_name", "stored_events"))

    def get_case(self, application_id: UUID, version: int | None = None) -> Application:
        """The case as stored: from every event up to ``version`` (all by default), never
        from a cache another process's writes may have left behind."""
        return self._get(application_id, LATEST if version is None else version)

    def cached_case(self, application_id: UUID) -> Application:
        """This process's latest copy of the case: as stored when this process is the only
        writer (the campaign simulator), possibly behind another process's writes."""
        return self._get(application_id, None)

    def _get(self, application_id: UUID, version: int | None) -> Application:
        """``version`` None: this process's cached copy (commands only)."""
        try:
            case: Application = self.repository.get(application_id, version=version)
        except AggregateNotFoundError:
            raise ApplicationNotFoundError(application_id) from None
        return case


class CaseService(CaseEvents):
    name = CaseEvents.name  # the library names an application after its class otherwise

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        clock: Clock | None = None,
        code_generator: Callable[[], str] = new_applicant_code,
        max_attempts: int = 8,
        backdating_window: timedelta | None = None,
    ) -> None:
        super().__init__(env)
        self.clock = clock or SystemClock()
        self.code_generator = code_generator
        self.max_attempts = max_attempts
        # how far before today a business date may lie without an admin's reason (None:
        # any date, as when a past campaign is replayed)
        self.backdating_window = backdating_window

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
            case = self.get_case(cmd.application_id)
            result = CommandResult(case.id, case.version, True)
        self.sealer.destroy(cmd.application_id)
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
        fresh = False  # the first attempt trusts this process's cached case
        for attempt in range(1, self.max_attempts + 1):
            case = self._load(application_id, must_exist=create is None, fresh=fresh)
            if case is not None and ctx.idempotency_key in case.commands:
                return _replay(case, ctx.idempotency_key, fingerprint)
            try:
                if case is None:
                    assert create is not None
                    case = create(meta)
                else:
                    spec.apply(cmd, case, meta)
            except DomainError:
                if fresh:
                    raise
                fresh = True  # refused on the cached case: decide again on the stored one
                continue
            try:
                recordings = self.save(case)
            except (RecordConflictError, ErasedIdentityError):
                # another writer (maybe another process) got there first; or a submission
                # retried after its case was erased (its key is gone, its events are not)
                fresh = True
                time.sleep(0.005 * attempt * secrets.randbelow(4))
                continue
            last = recordings[-1].notification.id if recordings else None
            stored = tuple(cast(ev.CaseEvent, r.domain_event) for r in recordings)
            return CommandResult(case.id, case.version, False, last, stored)
        raise ConcurrencyConflictError(application_id, self.max_attempts)

    def _load(self, application_id: UUID, *, must_exist: bool, fresh: bool) -> Application | None:
        """The case as this process last saw it (its cache is not fast-forwarded: a stale
        copy shows as a conflict on save, or is re-read before a refusal), or, when
        ``fresh``, as stored now.

        A submission whose case this process has not seen is taken to be new without a
        read: if the case exists after all (a retry handled by another process), saving
        its first event conflicts, and the next attempt reads it and replays the result.
        """
        cache = self.repository.cache
        if not fresh and cache is not None:
            try:
                cached = cache.get(application_id)
                assert isinstance(cached, Application)
                return copy.deepcopy(cached)  # the command may change it, then fail
            except KeyError:
                if not must_exist:
                    return None
        try:
            case = self.get_case(application_id)
        except ApplicationNotFoundError:
            if must_exist:
                raise
            return None
        if cache is not None:
            cache.put(application_id, copy.deepcopy(case))
        return case


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
    )


def _replay(case: Application, key: str, fingerprint: str) -> CommandResult:
    first_fingerprint, version, first_command = case.commands[key]
    if first_fingerprint != fingerprint:
        raise IdempotencyKeyReusedError(key, first_command)
    return CommandResult(case.id, version, True)
