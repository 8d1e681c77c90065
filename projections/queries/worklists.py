"""The read models an officer works through: deadlines, the officer worklist, the
interview queue and the audit trail, each paged by keyset in the order of its dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from projections.audit_trail import AUDIT_TRAIL
from projections.deadlines import DEADLINES
from projections.interview_queue import INTERVIEW_QUEUE
from projections.officer_worklist import ITEMS, WORKLIST
from projections.queries.paging import Listing, Page, QueryError, equal, text
from projections.sql import ViewDatabase

DEADLINE_LISTING = Listing.of(
    DEADLINES, "d", "due_on", ("application_id", "kind"), ("text", "text")
)
WORKLIST_LISTING = Listing.of(WORKLIST, "w", "since", ("application_id", "item"), ("text", "text"))
QUEUE_LISTING = Listing.of(INTERVIEW_QUEUE, "q", "slot_at", ("application_id",), ("text", "text"))
AUDIT_LISTING = Listing.of(AUDIT_TRAIL, "a", "position", ("position",), ("int", "int"))


def deadlines(
    db: ViewDatabase,
    today: date,
    *,
    kind: str | None = None,
    state: str | None = "open",
    overdue_only: bool = False,
    first: int = 20,
    after: str | None = None,
) -> Page:
    clauses, params = equal({"d.kind": text("kind", kind), "d.state": text("state", state)})
    if overdue_only:
        clauses.append("d.due_on < %s")
        params.append(today.isoformat())
    page = DEADLINE_LISTING.page(db, (clauses, params), first=first, after=after)
    for row in page.items:
        due = date.fromisoformat(row["due_on"])
        row["days_left"] = (due - today).days
        row["overdue"] = row["state"] == "open" and today > due
    return page


def officer_worklist(
    db: ViewDatabase, *, item: str | None = None, first: int = 20, after: str | None = None
) -> Page:
    """What waits for an officer, oldest first: referrals the rules did not decide
    ("review") and packages missing documents ("documents")."""
    if item is not None and item not in ITEMS:
        raise QueryError("item", f"must be one of {', '.join(ITEMS)}")
    return WORKLIST_LISTING.page(db, equal({"w.item": item}), first=first, after=after)


def interview_queue(
    db: ViewDatabase, *, slot_on: date | None = None, first: int = 20, after: str | None = None
) -> Page:
    clauses, params = ["q.queued = 1"], []
    if slot_on is not None:
        clauses.append("q.slot_at >= %s AND q.slot_at < %s")
        params += [slot_on.isoformat(), date.fromordinal(slot_on.toordinal() + 1).isoformat()]
    return QUEUE_LISTING.page(db, (clauses, params), first=first, after=after)


@dataclass(frozen=True)
class AuditFilter:
    application_id: str | None = None
    actor_id: str | None = None
    event_type: str | None = None
    recorded_from: str | None = None  # ISO date or date-time, inclusive
    recorded_to: str | None = None  # ISO date or date-time, exclusive


def audit_trail(
    db: ViewDatabase, where: AuditFilter | None = None, *, first: int = 20, after: str | None = None
) -> Page:
    w = where or AuditFilter()
    clauses, params = equal(
        {
            "a.application_id": w.application_id,
            "a.actor_id": text("filter.actorId", w.actor_id),
            "a.event_type": text("filter.eventType", w.event_type),
        }
    )
    if w.recorded_from:
        clauses.append("a.recorded_at >= %s")
        params.append(w.recorded_from)
    if w.recorded_to:
        clauses.append("a.recorded_at < %s")
        params.append(w.recorded_to)
    return AUDIT_LISTING.page(db, (clauses, params), first=first, after=after)
