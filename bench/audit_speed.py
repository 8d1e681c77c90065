"""Auditors (issue 6): ``audit verify`` over the whole store against a plain sequential
read-and-decode of the same events, in the same run (target: at least 25%); and the case
history of a 30-event case served through GraphQL (measured beside the case list in
``bench/api_speed.py``; target: at least 50% of its requests/s).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from bench.harness import Line, Report, rate
from bench.read_models import read_and_decode
from domain import commands as c
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.rules.interview_sheet import criterion_keys
from infra.audit.verify import verify_store
from infra.case_store import CaseEvents, CaseService
from infra.container import build_projection_engine, build_service
from infra.settings import Settings
from infra.simulation.campaign import CaseDriver
from infra.simulation.desk import ServiceDesk
from infra.simulation.people import synthetic_applicant
from infra.simulation.profiles import synthetic_background, synthetic_plan

VERIFY_RATIO = 0.25
HISTORY_RATIO = 0.5
HISTORY_EVENTS = 30
TODAY = date(2026, 11, 22)
CASE_HISTORY = """query($id: ID!) { caseHistory(applicationId: $id) { asOfVersion
  events { version type recordedAt occurredOn actorId actorRole reason correlationId
    causationId command rulesets facts prevHash chainHash }
  state { id applicantCode stage status programme category country institution
    specialty submittedOn awardedOn contractDeadline contractsSignedOn version } } }"""


def measure_verify(settings: Settings, report: Report, size: int) -> None:
    engine = build_projection_engine(settings)
    baseline = read_and_decode(engine)
    found = []
    reader = engine.reader
    assert isinstance(reader, CaseEvents)  # the container's engine reads the event store
    events = rate(engine.head(), lambda: found.append(verify_store(reader, engine.db)))
    if not found[0].ok:
        raise RuntimeError(f"the bench data does not verify: {found[0].findings[:3]}")
    report.add(
        Line(f"audit_verify@{size}", events, "events/s", "read_and_decode", baseline, VERIFY_RATIO)
    )
    engine.db.close()


def long_case(settings: Settings) -> UUID:
    """A case of exactly 30 events (many NEC sheets), through the command service."""
    service = build_service(settings.replaying_history(), clock=FixedClock(TODAY))
    try:
        for seed in range(1, 500):
            d = CaseDriver(ServiceDesk(service), random.Random(seed), TODAY, seed, seed=606)
            if _drive_long(d, service):
                return d.case_id
    finally:
        service.close()
    raise RuntimeError("no synthetic applicant was eligible")


def _drive_long(d: CaseDriver, service: CaseService) -> bool:
    plan = synthetic_plan(d.rng)
    submission = c.SubmitApplication(
        synthetic_applicant(d.rng), plan, synthetic_background(d.rng, plan)
    )
    d.do(submission, Role.APPLICANT, actor="egov", on=date(2023, 4, 20), may_wait=False)
    d.do(c.AssessEligibility(d.case_id), Role.OFFICER, (2, 2), may_wait=False)
    case = service.get_case(d.case_id)
    if case.stage is not Stage.ELIGIBLE or case.missing_documents:  # tested: a whole package
        return False
    d.do(c.RecordTesting(d.case_id, 80, 85), Role.OFFICER, (5, 5), may_wait=False)
    slot = d.day + timedelta(days=10)
    d.do(
        c.BookInterview(d.case_id, datetime.combine(slot, datetime.min.time())),
        Role.APPLICANT,
        (1, 1),
        may_wait=False,
    )
    experts = HISTORY_EVENTS - 7  # submitted ... booked (4), complete, award, contracts
    for n in range(1, experts + 1):
        sheet = c.EvaluateInterview(d.case_id, dict.fromkeys(criterion_keys(), 5), True, "bench")
        d.do(sheet, Role.EXPERT, actor=f"nec-{n:02d}", on=slot, may_wait=False)
    d.do(c.CompleteInterview(d.case_id, Decimal(5)), Role.OFFICER, (1, 1), may_wait=False)
    protocol = c.Award(d.case_id, "RK-2023/1", d.day + timedelta(days=10))
    d.do(protocol, Role.COMMISSION, on=d.day + timedelta(days=10), may_wait=False)
    d.do(c.SignContracts(d.case_id, "TC-1", "SC-1"), Role.OFFICER, (5, 5), may_wait=False)
    return service.get_case(d.case_id).version == HISTORY_EVENTS
