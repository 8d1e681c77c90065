"""Cases that between them record every event type of the aggregate."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain import commands as c
from domain.case.events import RevocationReason, TestingAnnulment
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.service import CaseService
from tests.support import builders as b
from tests.support.journey import PROTOCOL_DATE, SLOT_DAY, Journey


def record_every_event_type(service: CaseService) -> list[UUID]:
    weak = b.submission(background=b.background(certificates=(b.ielts("5.5"),)))
    whole = Journey(service, weak)
    whole.to(Stage.CONTRACTED)
    whole.send(c.AssignLanguageCourse(whole.id), date(2023, 7, 20))
    whole.to(Stage.WORK_OFF_COMPLETED)

    annulled_testing = Journey(service)
    annulled_testing.to(Stage.ELIGIBLE)
    annulled_testing.send(
        c.AnnulTesting(annulled_testing.id, TestingAnnulment.VIOLATION), date(2023, 5, 5)
    )

    annulled_interview = Journey(service)
    annulled_interview.to(Stage.INTERVIEW_BOOKED)
    annulled_interview.send(c.AnnulInterview(annulled_interview.id), SLOT_DAY)

    refused = Journey(service)
    refused.to(Stage.INTERVIEWED)
    refused.send(
        c.Refuse(refused.id, "RK-2023/8", PROTOCOL_DATE), date(2023, 6, 12), role=Role.COMMISSION
    )

    revoked = Journey(service)
    revoked.to(Stage.AWARDED)
    revoked.send(
        c.Revoke(revoked.id, RevocationReason.CONTRACT_DEADLINE_MISSED),
        date(2023, 9, 10),
        role=Role.SYSTEM,
    )

    withdrawn = Journey(service)
    withdrawn.to(Stage.SUBMITTED)
    withdrawn.send(c.Withdraw(withdrawn.id), date(2023, 4, 22), role=Role.APPLICANT)

    erased = Journey(service)
    erased.to(Stage.ELIGIBLE)
    erased.erase(date(2023, 4, 25))
    cases = (whole, annulled_testing, annulled_interview, refused, revoked, withdrawn, erased)
    return [j.id for j in cases]
