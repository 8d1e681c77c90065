"""The cases' event store, on the eventsourcing library, and the command service on it.

``CaseEvents`` is the event-sourced application every reader builds (projections, relay,
audit): same name, same tables, same codec (``infra/mapper.py``), and personal data sealed
by the sealer ``PII_SEALER_TOPIC`` names. It implements the domain's store port
(``domain/store.py``). ``CaseService`` is the store with the commands
(``domain/service.py::CommandHandler``): what the API, the CLI and the workers send
commands to.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.application import Application as EventSourcedApplication
from eventsourcing.persistence import InfrastructureFactory, Mapper, RecordConflictError, Recording
from eventsourcing.utils import EnvType, resolve_topic

from domain import commands as c
from domain.case import events as ev
from domain.case.application import Application
from domain.case.meta import CommandContext
from domain.case.personal import Sealer
from domain.clock import Clock
from domain.errors import ApplicationNotFoundError
from domain.quota.ledger import QuotaLedger, quota_ledger_id
from domain.registry import spec_for
from domain.rules.campaign_places import CampaignPlaces, NoPlacesOnRecordError, places_for
from domain.sealed import SealedAggregate
from domain.service import MAX_ATTEMPTS, CommandHandler, CommandResult, new_applicant_code
from domain.store import Saved, WriteConflictError
from infra.event_store import LockedInsertRecorder
from infra.mapper import DomainMapper, NoSealerError
from infra.observability.commands import observed
from infra.observability.metrics import APPEND_SECONDS

LATEST = 2**62  # "up to this version": every stored event, read past the cache
SEALER_TOPIC = "PII_SEALER_TOPIC"
T = TypeVar("T")


def mutated(aggregate: Any, events: Iterable[Any]) -> Any:
    """The aggregate after ``events``: the library's ``project_aggregate`` without its
    assertion that each event meets a runtime protocol (``CanMutateProtocol``), which on
    Python 3.11 walks the protocol's attributes for every event read. Every event of this
    store is one of the domain's, made by its aggregates, and mutates."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


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

    def construct_recorder(self) -> Any:
        """The library's recorder; one that stores a new case's data key with its first
        events (``infra/event_store.py``) is handed the sealer's new keys."""
        recorder = super().construct_recorder()
        sealer = getattr(self.mapper, "sealer", None)
        if isinstance(recorder, LockedInsertRecorder) and hasattr(sealer, "hand_keys_over"):
            recorder.keys = sealer
            sealer.hand_keys_over()  # type: ignore[union-attr]
        return recorder

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
        """This process's latest copy of the case, to read and never to change (not copied:
        the cache's own object, which no command changes once it is saved): as stored when
        this process is the only writer (the campaign simulator), possibly behind another
        process's writes."""
        return self._get(application_id, None)

    def _get(self, application_id: UUID, version: int | None) -> Application:
        """``version`` None: this process's cached copy, to read."""
        try:
            case: Application = self.repository.get(
                application_id,
                version=version,
                projector_func=mutated,
                deepcopy_from_cache=False,
            )
        except AggregateNotFoundError:
            raise ApplicationNotFoundError(application_id) from None
        return case

    # -- the store port (domain/store.py) ------------------------------------------------

    def held_case(self, application_id: UUID) -> Application | None:
        """A copy of the cached case (the command may change it, then fail); the stored
        case when this store keeps no cache. The cache is not fast-forwarded: a stale
        copy shows as a conflict on save."""
        if self.repository.cache is None:
            try:
                return self.get_case(application_id)
            except ApplicationNotFoundError:
                return None
        return self._held(application_id, Application)

    def stored_case(self, application_id: UUID) -> Application:
        case = self.get_case(application_id)
        self._hold(case)
        return case

    def held_ledger(self, year: int) -> QuotaLedger | None:
        """A copy of the cached ledger of the campaign; the stored one without a cache."""
        if self.repository.cache is None:
            return self.stored_ledger(year)
        return self._held(quota_ledger_id(year), QuotaLedger)

    def stored_ledger(self, year: int) -> QuotaLedger | None:
        """The ledger as stored now: this process's copy brought up to date with the events
        stored after it (a ledger gathers an event per award of the campaign, so reading
        them all again on every conflict of two awards would grow with the campaign)."""
        ledger_id = quota_ledger_id(year)
        held = self._held(ledger_id, QuotaLedger) if self.repository.cache else None
        try:
            if held is None:
                ledger: QuotaLedger = self.repository.get(
                    ledger_id, version=LATEST, projector_func=mutated
                )
            else:
                later = self.events.get(ledger_id, gt=held.version)
                ledger = cast(QuotaLedger, mutated(held, later))
        except AggregateNotFoundError:
            return None
        self._hold(ledger)
        return ledger

    def _held(self, aggregate_id: UUID, kind: type[T]) -> T | None:
        """A copy of this process's cached aggregate (None when it holds none)."""
        assert self.repository.cache is not None
        try:
            cached = self.repository.cache.get(aggregate_id)
        except KeyError:
            return None
        assert isinstance(cached, kind)
        return copy.deepcopy(cached)

    def _hold(self, aggregate: Application | QuotaLedger) -> None:
        """Keeps a copy of the aggregate as stored as this process's copy."""
        cache = self.repository.cache
        if cache is not None:
            cache.put(aggregate.id, copy.deepcopy(aggregate))

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's ``save``; for this store's own aggregates, without its check of each
        object against two runtime protocols (``DomainEventProtocol``, then
        ``CollectEventsProtocol``). On Python 3.11 such an ``isinstance`` walks the
        protocol's attributes on every call, a large share of a command's time under the
        interpreter lock; a plain class check tells the same of a ``SealedAggregate``.
        Everything after the collection is the library's own code, in its order
        (``tests/unit/test_case_store_save.py`` holds it to the pinned version)."""
        if not all(isinstance(o, SealedAggregate) for o in objs):
            return super().save(*objs, **kwargs)
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in objs:
            processing.events.extend(aggregate.collect_events())
            processing.aggregates[aggregate.id] = aggregate
        processing.saved_kwargs.update(kwargs)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        self.notify(processing.events)  # the library's deprecated hook, as its save calls it
        return recordings

    def save_case(self, case: Application, ledger: QuotaLedger | None = None) -> Saved:
        """The case's new events, and the ledger's, in one transaction (the library's
        ``save`` of several aggregates: each checked against its stored version)."""
        started = time.perf_counter()
        try:
            recordings = self.save(case) if ledger is None else self.save(case, ledger)
        except RecordConflictError as e:
            raise WriteConflictError(str(e)) from e
        finally:
            APPEND_SECONDS.observe(time.perf_counter() - started)
        last = recordings[-1].notification.id if recordings else None
        events = tuple(
            cast(ev.CaseEvent, r.domain_event)
            for r in recordings
            if r.domain_event.originator_id == case.id
        )
        return Saved(events, last)

    def save_ledger(self, ledger: QuotaLedger) -> None:
        try:
            self.save(ledger)
        except RecordConflictError as e:
            raise WriteConflictError(str(e)) from e

    def destroy_personal_data(self, application_id: UUID) -> None:
        self.sealer.destroy(application_id)


class CaseService(CaseEvents):
    """The event store with the commands: ``handle`` runs any command."""

    name = CaseEvents.name  # the library names an application after its class otherwise

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        clock: Clock | None = None,
        code_generator: Callable[[], str] = new_applicant_code,
        max_attempts: int = MAX_ATTEMPTS,
        backdating_window: timedelta | None = None,
        places: Mapping[int, int] | None = None,
    ) -> None:
        super().__init__(env)
        self.handler = CommandHandler(
            self,
            clock=clock,
            code_generator=code_generator,
            max_attempts=max_attempts,
            backdating_window=backdating_window,
            places=campaign_places(places or {}),
        )

    @property
    def clock(self) -> Clock:
        return self.handler.clock

    def handle(self, command: c.Command, ctx: CommandContext) -> CommandResult:
        """Runs ``command`` as its spec says (``domain/service.py``), counted, timed,
        logged and traced (``infra/observability/commands.py``)."""
        return observed(spec_for(command).name, command, ctx, self.handler.handle)


def campaign_places(replaced: Mapping[int, int]) -> Callable[[int], CampaignPlaces]:
    """A campaign's places from its ruleset, the number replaced where ``replaced`` (the
    ``BOLASHAK_AWARDS_TARGET_<YEAR>`` settings) gives one: recorded so on the ledger."""

    def places(year: int) -> CampaignPlaces:
        if year not in replaced:
            return places_for(year)
        try:
            found = places_for(year)
        except NoPlacesOnRecordError:
            found = CampaignPlaces(year, 0)
        source = f"setting BOLASHAK_AWARDS_TARGET_{year}"
        return replace(found, places=replaced[year], source=source)

    return places
