"""Every read model, by name."""

from __future__ import annotations

from domain.case.personal import Sealer
from projections.audit_trail import AuditTrailProjection
from projections.base import Projection
from projections.case_list import CaseListProjection
from projections.dashboard import DashboardProjection
from projections.deadlines import DeadlinesProjection
from projections.interview_queue import InterviewQueueProjection
from projections.officer_worklist import OfficerWorklistProjection


def all_projections(sealer: Sealer | None = None) -> list[Projection]:
    """Every read model; ``sealer``: the store's keeper of data keys, which the case list
    seals its copies of identities with (without it, it keeps none: schema work only)."""
    return [
        CaseListProjection(sealer),
        DashboardProjection(),
        DeadlinesProjection(),
        InterviewQueueProjection(),
        OfficerWorklistProjection(),
        AuditTrailProjection(),
    ]


def named(names: list[str] | None, sealer: Sealer | None = None) -> list[Projection]:
    everything = all_projections(sealer)
    if not names:
        return everything
    known = {p.name: p for p in everything}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise KeyError(f"unknown projection(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[n] for n in names]
