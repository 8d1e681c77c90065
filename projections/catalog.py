"""Every read model, by name."""

from __future__ import annotations

from projections.audit_trail import AuditTrailProjection
from projections.base import Projection
from projections.case_list import CaseListProjection
from projections.dashboard import DashboardProjection
from projections.deadlines import DeadlinesProjection
from projections.interview_queue import InterviewQueueProjection
from projections.officer_worklist import OfficerWorklistProjection


def all_projections() -> list[Projection]:
    return [
        CaseListProjection(),
        DashboardProjection(),
        DeadlinesProjection(),
        InterviewQueueProjection(),
        OfficerWorklistProjection(),
        AuditTrailProjection(),
    ]


def named(names: list[str] | None) -> list[Projection]:
    everything = all_projections()
    if not names:
        return everything
    known = {p.name: p for p in everything}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise KeyError(f"unknown projection(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[n] for n in names]
