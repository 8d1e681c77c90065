"""A case replayed from its events: as of a version, a recording time or a business date;
the diff between two versions; and the Republican Commission's decision as it was made.

The one replay of the audit: GraphQL's ``caseHistory``, ``bolashak audit`` (and ``case
history``) and the exports all read a case through ``replay`` (its stored rows decoded by
the store's mapper, erasures applied, cut at the as-of point), so they cannot disagree;
only where the rows are read differs (the store's own connection, or the API's read
connections). Plain data for the CLI, the exports and the GraphQL types. Personal data (the
applicant's identity) is left out unless asked for, and kept apart in diffs
(``personal_changes``).

A campaign's quota ledger is replayed the same way (``quota_replay``): its events as of a
version, a recording time or a business date, for ``quotaHistory`` and ``bolashak audit
history --quota YEAR``.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from domain.case.application import Application
from domain.case.events import Awarded, CaseEvent, Refused, erasure_applied
from domain.errors import ApplicationNotFoundError, InvalidInputError
from domain.quota.events import LedgerEvent
from domain.quota.ledger import quota_ledger_id
from domain.quota.summary import QuotaSummary, summary
from domain.rules import catalog
from infra.case_store import CaseEvents
from infra.case_view import PERSONAL_FIELDS, SECRET_FIELDS, case_view, plain
from projections.sql import ViewDatabase

DECISIONS = (Awarded, Refused)
UNSET = "(none)"


@dataclass(frozen=True)
class AsOf:
    """Where to stop the replay; each bound given narrows it further (all: the whole case)."""

    version: int | None = None
    recorded_at: datetime | None = None  # recording time (the store's timestamp)
    business_date: date | None = None  # ``occurred_on``: the day it happened in the process

    def __post_init__(self) -> None:
        """A recording time without a zone is UTC (as ``parse`` reads it): the store's
        timestamps carry one, and Python cannot compare a naive time with them."""
        if self.recorded_at is not None and self.recorded_at.tzinfo is None:
            object.__setattr__(self, "recorded_at", self.recorded_at.replace(tzinfo=UTC))

    @classmethod
    def parse(cls, text: str) -> AsOf:
        """``12`` (a version), ``2023-06-12`` (a business date) or ``2023-06-12T10:00:00+00:00``
        (a recording time; UTC when no zone is given)."""
        text = text.strip()
        try:
            if text.isdigit():
                return cls(version=int(text))
            if "T" in text or " " in text:
                moment = datetime.fromisoformat(text)
                return cls(recorded_at=moment)
            return cls(business_date=date.fromisoformat(text))
        except ValueError:
            raise InvalidInputError.single(
                "asOf", "version_date_or_time", f"{text!r} is not a version, a date or a time"
            ) from None

    def cut(self, events: Sequence[CaseEvent]) -> list[CaseEvent]:
        """The events up to this point: a prefix of the case's history."""
        return list(itertools.takewhile(self._includes, events))

    def _includes(self, event: CaseEvent) -> bool:
        return (
            (self.version is None or event.originator_version <= self.version)
            and (self.recorded_at is None or event.timestamp <= self.recorded_at)
            and (self.business_date is None or event.meta.occurred_on <= self.business_date)
        )


WHOLE = AsOf()  # every event, to this day


@dataclass(frozen=True)
class Replay:
    """A case's events to this day, and those up to the as-of point (a prefix of them)."""

    application_id: UUID
    events: list[CaseEvent]
    shown: list[CaseEvent]

    @property
    def as_of_version(self) -> int:
        return self.shown[-1].originator_version if self.shown else 0

    def state(self, *, with_personal_data: bool) -> dict[str, Any] | None:
        """The case as it stood at the as-of point (None before its first event)."""
        return state_view(self.shown, with_personal_data=with_personal_data)

    def records(self, *, with_personal_data: bool) -> list[dict[str, Any]]:
        return [event_record(e, with_personal_data=with_personal_data) for e in self.shown]

    def commission(self, today: date) -> CommissionView | None:
        """The commission's last decision up to the as-of point, beside the case today."""
        view = commission_view(self.shown, today) if self.shown else None
        return None if view is None else replace(view, today=list(self.events))


def replay(
    mapper: Mapper[UUID],
    rows: Iterable[StoredEvent],
    application_id: UUID,
    as_of: AsOf = WHOLE,
) -> Replay:
    """A case from its stored rows (in version order): decoded by the store's mapper, the
    identity blanked everywhere once the case records an erasure, cut at ``as_of``."""
    events = erasure_applied(mapper.to_domain_event(row) for row in rows)  # type: ignore[misc]
    if not events:
        raise ApplicationNotFoundError(application_id)
    return Replay(application_id, events, as_of.cut(events))


def from_store(reader: CaseEvents, application_id: UUID, as_of: AsOf = WHOLE) -> Replay:
    """Read on the event store's own connection (the CLI, the exports)."""
    rows = reader.recorder.select_events(application_id)
    return replay(reader.mapper, rows, application_id, as_of)


def from_read_connection(
    db: ViewDatabase, mapper: Mapper[UUID], application_id: UUID, as_of: AsOf = WHOLE
) -> Replay:
    """Read with one statement on a read connection (the API's read threads)."""
    return replay(mapper, stored_rows(db, application_id), application_id, as_of)


def stored_rows(db: ViewDatabase, application_id: UUID, after: int = 0) -> list[StoredEvent]:
    """An aggregate's stored rows in version order (those after version ``after``), read
    with one statement on a read connection (as the event store's recorder returns them)."""
    key = str(application_id) if db.dialect == "postgres" else application_id.hex
    rows = db.query(
        f"SELECT originator_version, topic, state FROM {db.events_table}"
        " WHERE originator_id = %s AND originator_version > %s ORDER BY originator_version",
        (key, after),
    )
    return [
        StoredEvent(
            originator_id=application_id,
            originator_version=version,
            topic=topic,
            state=bytes(state),
        )
        for version, topic, state in rows
    ]


@dataclass(frozen=True)
class QuotaReplay:
    """A campaign's quota ledger: its events to this day, those up to the as-of point, and
    what it showed there."""

    campaign_year: int
    ledger_id: UUID
    events: list[LedgerEvent]
    shown: list[LedgerEvent]

    @property
    def as_of_version(self) -> int:
        return self.shown[-1].originator_version if self.shown else 0

    def summary(self) -> QuotaSummary | None:
        """The ledger at the as-of point (None before its opening)."""
        return summary(self.shown) if self.shown else None

    def records(self) -> list[dict[str, Any]]:
        return [event_record(e, with_personal_data=False) for e in self.shown]  # type: ignore[arg-type]

    def view(self) -> dict[str, Any] | None:
        """The ledger at the as-of point as plain data, with what is used and available."""
        found = self.summary()
        if found is None:
            return None
        view: dict[str, Any] = plain(found)
        for counts, plain_counts in [
            (found.total, view["total"]),
            *((c, view["categories"][k]) for k, c in found.categories.items()),
        ]:
            plain_counts.update(used=counts.used, available=counts.available)
        return view


def quota_replay(
    db: ViewDatabase | CaseEvents, mapper: Mapper[UUID], year: int, as_of: AsOf = WHOLE
) -> QuotaReplay:
    """The ``year`` campaign's ledger, read on a read connection (the API) or the event
    store's own (the CLI); raises ``ApplicationNotFoundError`` when it was never opened."""
    ledger_id = quota_ledger_id(year)
    if isinstance(db, CaseEvents):
        found = from_store(db, ledger_id, as_of)
    else:
        found = from_read_connection(db, mapper, ledger_id, as_of)
    events = cast(list[LedgerEvent], found.events)
    return QuotaReplay(year, ledger_id, events, cast(list[LedgerEvent], found.shown))


class LedgerCopies:
    """Each campaign ledger's events as this process last read them (the API's ``quotas``):
    a read fetches and decodes only the events stored since. A ledger gathers an event per
    award of its campaign, and the back-office page and the simulated people ask for it
    often; its events never change once stored (they hold no personal data to erase), and
    one aggregate's versions are stored in order, so the copy plus the rows after its last
    version are the ledger as stored."""

    def __init__(self) -> None:
        self._events: dict[UUID, list[LedgerEvent]] = {}
        self._lock = threading.Lock()

    def current(self, db: ViewDatabase, mapper: Mapper[UUID], year: int) -> QuotaReplay:
        """The ``year`` campaign's ledger as stored now; raises ``ApplicationNotFoundError``
        when it was never opened."""
        ledger_id = quota_ledger_id(year)
        with self._lock:
            known = self._events.get(ledger_id, [])
        after = known[-1].originator_version if known else 0
        later = [mapper.to_domain_event(row) for row in stored_rows(db, ledger_id, after)]
        events = known + cast(list[LedgerEvent], later)
        if not events:
            raise ApplicationNotFoundError(ledger_id)
        with self._lock:  # kept unless another read kept a longer copy meanwhile
            if len(self._events.get(ledger_id, [])) < len(events):
                self._events[ledger_id] = events
        return QuotaReplay(year, ledger_id, events, events)


def fold(events: Sequence[CaseEvent]) -> Application | None:
    """The case after these events (None before its first)."""
    case: Any = None
    for event in events:
        case = event.mutate(case)
    return case  # type: ignore[no-any-return]


def state_view(events: Sequence[CaseEvent], *, with_personal_data: bool) -> dict[str, Any] | None:
    case = fold(events)
    return case_view(case, with_personal_data=with_personal_data) if case else None


# -- diffs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str

    def text(self) -> str:
        return f"{self.field}: {self.before} -> {self.after}"


@dataclass(frozen=True)
class CaseDiff:
    from_version: int
    to_version: int
    changes: list[FieldChange]
    personal_changes: list[FieldChange]  # the applicant's identity: restricted


def diff(events: Sequence[CaseEvent], from_version: int, to_version: int) -> CaseDiff:
    """What changed in the case between two versions, field by field."""
    last = events[-1].originator_version if events else 0
    for name, version in (("fromVersion", from_version), ("toVersion", to_version)):
        if not 1 <= version <= last:
            raise InvalidInputError.single(
                name, "version_within_case", f"{version} is not a version of this case (1-{last})"
            )
    before = _flat(state_view(events[:from_version], with_personal_data=True))
    after = _flat(state_view(events[:to_version], with_personal_data=True))
    changes = [
        FieldChange(k, before.get(k, UNSET), after.get(k, UNSET))
        for k in sorted(before.keys() | after.keys())
        if before.get(k, UNSET) != after.get(k, UNSET)
    ]
    personal = tuple(f"{name}." for name in PERSONAL_FIELDS)
    return CaseDiff(
        from_version,
        to_version,
        [c for c in changes if not c.field.startswith(personal)],
        [c for c in changes if c.field.startswith(personal)],
    )


def _flat(view: dict[str, Any] | None, prefix: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in (view or {}).items():
        if isinstance(value, dict) and value:
            found.update(_flat(value, f"{prefix}{key}."))
        else:
            found[f"{prefix}{key}"] = _text(value)
    return found


def _text(value: Any) -> str:
    if value is None or value == [] or value == {}:
        return UNSET
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items())
    return str(value)


# -- as the commission saw it ---------------------------------------------------------------


@dataclass(frozen=True)
class CommissionView:
    """The award or refusal: the case as the commission had it, the rulesets then and now."""

    decision: CaseEvent
    seen: list[CaseEvent]  # the events before the decision: what the commission saw
    today: list[CaseEvent]  # every event to this day
    rulesets_used: list[str]  # by the case's decisions up to and including this one
    in_force_then: list[str]  # the newest ruleset of each kind on the decision's date
    in_force_today: list[str]
    changes_since: CaseDiff  # from the decision to today


def commission_view(events: Sequence[CaseEvent], today: date) -> CommissionView | None:
    """None when the commission has not decided the case (yet)."""
    decisions = [e for e in events if isinstance(e, DECISIONS)]
    if not decisions:
        return None
    decision = decisions[-1]
    version = decision.originator_version
    used = [r for e in events[:version] if e.basis for r in e.basis.rulesets]
    last = events[-1].originator_version
    return CommissionView(
        decision=decision,
        seen=list(events[: version - 1]),
        today=list(events),
        rulesets_used=list(dict.fromkeys(used)),
        in_force_then=rulesets_in_force(decision.meta.occurred_on),
        in_force_today=rulesets_in_force(today),
        changes_since=diff(events, version, last),
    )


def rulesets_in_force(day: date) -> list[str]:
    kinds = sorted({r.kind for r in catalog.all_rulesets().values()})
    found = []
    for kind in kinds:
        try:
            found.append(catalog.newest_in_force(kind, day).id)
        except catalog.NoRulesetInForceError:
            continue
    return found


def event_record(event: CaseEvent, *, with_personal_data: bool) -> dict[str, Any]:
    """One event with everything an auditor asks about it."""
    meta = event.meta
    hidden = ("originator_id", "meta", "timestamp", *SECRET_FIELDS)
    body = {k: v for k, v in vars(event).items() if k not in hidden}
    if not with_personal_data:
        for name in PERSONAL_FIELDS:
            body.pop(name, None)
    basis = event.basis
    return {
        "version": event.originator_version,
        "type": type(event).__name__,
        "recorded_at": event.timestamp.isoformat(),
        "occurred_on": meta.occurred_on.isoformat(),
        "actor_id": meta.actor_id,
        "actor_role": meta.actor_role.value,
        "command": meta.command,
        "reason": meta.reason,
        "correlation_id": meta.correlation_id,
        "causation_id": meta.causation_id,
        "rulesets": list(basis.rulesets) if basis else [],
        "facts": dict(basis.facts) if basis else {},
        "prev_hash": meta.prev_hash,
        "chain_hash": meta.chain_hash,
        "data": plain(body),
    }
