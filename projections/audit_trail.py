"""Audit trail: every event with who did it, in which role, when (recorded and business
date), why, its correlation and causation ids and the rulesets it was decided on."""

from __future__ import annotations

from collections.abc import Iterable

from typing_extensions import override

from domain.case import events as ev
from projections.base import Projection, case_key
from projections.rows import Key, Rows
from projections.schema import Table

AUDIT_TRAIL = Table(
    "audit_trail",
    columns=(
        ("position", "int"),
        ("application_id", "text"),
        ("version", "int"),
        ("event_type", "text"),
        ("actor_id", "text"),
        ("actor_role", "text"),
        ("recorded_at", "text"),
        ("occurred_on", "text"),
        ("reason", "text"),
        ("correlation_id", "text"),
        ("causation_id", "text"),
        ("rulesets", "text"),
    ),
    key=("position",),
    indexes=(
        ("application_id", "position"),
        ("actor_id", "position"),
        ("event_type", "position"),
        ("recorded_at", "position"),
    ),
)


class AuditTrailProjection(Projection):
    name = "audit_trail"
    tables = (AUDIT_TRAIL,)
    handles = ev.EVENT_TYPES

    @override
    def keys(self, event: ev.CaseEvent) -> Iterable[tuple[Table, Key]]:
        return ()

    @override
    def apply(self, rows: Rows, event: ev.CaseEvent, position: int) -> None:
        meta, basis = event.meta, event.basis
        rows.append(
            AUDIT_TRAIL,
            {
                "position": position,
                "application_id": case_key(event),
                "version": event.originator_version,
                "event_type": type(event).__name__,
                "actor_id": meta.actor_id,
                "actor_role": meta.actor_role.value,
                "recorded_at": event.timestamp.isoformat(),
                "occurred_on": meta.occurred_on.isoformat(),
                "reason": meta.reason,
                "correlation_id": meta.correlation_id,
                "causation_id": meta.causation_id,
                "rulesets": ",".join(basis.rulesets) if basis else "",
            },
        )
