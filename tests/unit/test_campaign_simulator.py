"""The campaign simulator (``bolashak demo``): plausible cases that respect the regulations
and pass through every state officers work in."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

from domain.case import events as ev
from domain.clock import FixedClock
from domain.programme import Category, StudyLanguage
from infra.case_store import CaseService
from infra.container import build_service
from infra.settings import Settings
from infra.simulation.campaign import simulate_campaign
from infra.simulation.profiles import QUOTA, synthetic_plan

TODAY = date(2026, 12, 6)


def test_quota_applicants_study_in_english_only() -> None:
    """000 lines 80-84 (and 112-116, 144-148): the rural, engineering and medical quotas
    show an English certificate; the 2023 table names English tests only (001 line 498)."""
    rng = random.Random(7)
    plans = [synthetic_plan(rng) for _ in range(3000)]
    quota = [p for p in plans if p.category in QUOTA]
    assert len(quota) > 300
    assert {p.language for p in quota} == {StudyLanguage.ENGLISH}
    assert {p.country for p in quota} <= {"GB", "US", "CA", "AU", "IE"}
    others = {p.language for p in plans if p.category is Category.GENERAL}
    assert StudyLanguage.GERMAN in others  # the general competition goes further


def test_the_campaign_passes_through_the_states_officers_work_in() -> None:
    """Documents presented after the submission, referrals an officer decides with a reason,
    the winners list, control tests and their failures: the dashboards show them."""
    service: CaseService = build_service(
        Settings.from_env({"BOLASHAK_DATABASE_URL": "memory:"}), clock=FixedClock(TODAY)
    )
    summary = simulate_campaign(service, 400, seed=11, today=TODAY)
    assert not summary.refusals, summary.refusals
    log = service.recorder.select_notifications(start=1, limit=1_000_000)
    kinds = Counter(n.topic.rsplit(":", 1)[-1] for n in log)
    for kind in (
        ev.DocumentsPresented,
        ev.ReferredToOfficer,
        ev.ControlTestTaken,
        ev.WinnersListPublished,
    ):
        assert kinds[kind.__name__] > 0, kind.__name__
    decisions = [service.mapper.to_domain_event(n) for n in log if "Eligibility" in n.topic]
    by_officer = [
        e for e in decisions if isinstance(e, ev.CaseEvent) and e.meta.command == "decide_review"
    ]
    assert by_officer
    assert all(e.meta.reason for e in by_officer)
    service.close()


def test_the_campaigns_awards_fit_its_places() -> None:
    """The commission awards within the campaign's places (a synthetic 20 here, by the
    setting; 555 in 2023, 001 line 36) and refuses once they are used: no award is refused
    by award_within_places, and a repeated run stores nothing new (nor awards again)."""
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": "memory:"})
    service = build_service(
        settings.model_copy(update={"awards_targets": ((2023, 20),)}), clock=FixedClock(TODAY)
    )
    summary = simulate_campaign(service, 200, seed=5, today=TODAY)
    assert not summary.refusals, summary.refusals
    ledger = service.stored_ledger(2023)
    assert ledger is not None
    assert ledger.used == 20
    head = service.recorder.max_notification_id()
    again = simulate_campaign(service, 200, seed=5, today=TODAY)
    assert "PlacesExhaustedError" not in again.refusals
    assert service.recorder.max_notification_id() == head
    service.close()
