"""Cases that between them record every event type of the case, and of the campaign's quota
ledger (opened, a place reserved, returned, an award beyond a category's share)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import UUID

from domain import commands as c
from domain.case.events import (
    ControlTestPurpose,
    ReviewDecision,
    TestingAnnulment,
)
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.programme import Category, Programme
from domain.rules.campaign_places import CampaignPlaces
from domain.submission import Document
from infra.case_store import CaseService
from tests.support import builders as b
from tests.support.journey import PROTOCOL_DATE, SLOT_DAY, Journey

ENGINEERING = Category.ENGINEERING_TECHNICAL.value
OFFICER_REASON = "decided on the file (synthetic test case)"


def record_every_event_type(service: CaseService) -> list[UUID]:
    _no_engineering_share(service)
    weak = b.submission(background=b.background(certificates=(b.ielts("5.5"),)))
    whole = Journey(service, weak)
    whole.to(Stage.AWARDED)
    whole.send(c.RecordWinnersListPublished(whole.id), date(2023, 6, 13))
    whole.to(Stage.CONTRACTED)
    whole.send(c.AssignLanguageCourse(whole.id), date(2023, 7, 20))
    failed = ControlTestPurpose.ADMISSION_AFTER_COURSE
    whole.send(c.RecordControlTest(whole.id, failed, False, "IELTS 6.0"), date(2023, 8, 25))
    whole.send(
        c.DecideReview(whole.id, ReviewDecision.CONTINUE),
        date(2023, 8, 26),
        reason=OFFICER_REASON,
    )
    whole.to(Stage.WORK_OFF_COMPLETED)

    late_documents = Journey(
        service,
        b.submission(
            background=b.background(
                documents=tuple(d for d in Document if d is not Document.LANGUAGE_CERTIFICATE)
            )
        ),
    )
    late_documents.to(Stage.ELIGIBLE)
    late_documents.send(
        c.PresentDocuments(late_documents.id, (Document.LANGUAGE_CERTIFICATE,)), date(2023, 4, 28)
    )
    late_documents.send(
        c.ReassessEligibility(late_documents.id), date(2023, 4, 29), reason=OFFICER_REASON
    )

    unlisted = b.plan(Programme.MASTERS, Category.GENERAL, country="AR")
    referred = Journey(service, b.submission(plan=unlisted))
    referred.to(Stage.SUBMITTED)
    referred.send(c.AssessEligibility(referred.id), date(2023, 4, 25))
    referred.send(
        c.DecideReview(referred.id, ReviewDecision.ELIGIBLE),
        date(2023, 4, 26),
        reason=OFFICER_REASON,
    )

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
    revoked.revoke_for_the_missed_deadline(date(2023, 9, 10))

    beyond = Journey(service, b.submission(plan=b.plan(category=Category.ENGINEERING_TECHNICAL)))
    beyond.to(Stage.INTERVIEWED)
    beyond.send(
        c.AwardBeyondPlaces(beyond.id, "RK-2023/9", PROTOCOL_DATE),
        date(2023, 6, 12),
        role=Role.COMMISSION,
        reason="the commission awards beyond the share (synthetic test case)",
    )
    beyond.withdraw(date(2023, 6, 20))  # the scholar declines: the place comes back

    withdrawn = Journey(service)
    withdrawn.to(Stage.SUBMITTED)
    withdrawn.send(c.Withdraw(withdrawn.id), date(2023, 4, 22), role=Role.APPLICANT)

    erased = Journey(service)
    erased.to(Stage.ELIGIBLE)
    erased.erase(date(2023, 4, 25))
    cases = (
        whole,
        late_documents,
        referred,
        annulled_testing,
        annulled_interview,
        refused,
        revoked,
        beyond,
        withdrawn,
        erased,
    )
    return [j.id for j in cases]


def _no_engineering_share(service: CaseService) -> None:
    """The campaign's ledger, when this service opens it, gives the engineering-technical
    category no share (synthetic places): its award goes beyond it."""
    given = service.handler.places

    def places(year: int) -> CampaignPlaces:
        found = given(year)
        return replace(found, category_quotas={**found.category_quotas, ENGINEERING: 0})

    service.handler.places = places
