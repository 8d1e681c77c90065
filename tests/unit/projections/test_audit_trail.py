"""Audit trail read model: one appended row per event, in log order, with who did it, in
which role, on which business date, why, its correlation and causation ids, and the rulesets
a decision was made on. Given these events, these rows."""

from __future__ import annotations

from datetime import date
from uuid import uuid5

from domain import commands as c
from domain.case.events import EVENT_TYPES, RevocationReason
from domain.case.meta import CommandContext, Role
from domain.case.stage import Stage
from domain.service import APPLICATION_NAMESPACE
from infra.case_store import CaseService
from projections.audit_trail import AUDIT_TRAIL, AuditTrailProjection
from projections.base import fold
from projections.rows import MemoryRows, Row
from tests.support import builders as b
from tests.support.all_events import record_every_event_type
from tests.support.journey import DAY_91, EXPERTS, ON, Journey, key
from tests.unit.projections.folding import logged, project


def trail(service: CaseService) -> list[Row]:
    return project(AuditTrailProjection(), service).appended[AUDIT_TRAIL.name]


def rows_of(service: CaseService, event_type: str) -> list[Row]:
    return [r for r in trail(service) if r["event_type"] == event_type]


def only(service: CaseService, event_type: str) -> Row:
    found = rows_of(service, event_type)
    assert len(found) == 1, f"{len(found)} {event_type} rows"
    return found[0]


class TestOneRowPerEvent:
    def test_every_event_is_one_row_in_log_order(self, service: CaseService) -> None:
        record_every_event_type(service)
        log = logged(service)
        rows = trail(service)
        assert [
            (r["position"], r["application_id"], r["version"], r["event_type"]) for r in rows
        ] == [(p, str(e.originator_id), e.originator_version, type(e).__name__) for p, e in log]

    def test_every_event_type_is_recorded_by_its_class_name(self, service: CaseService) -> None:
        record_every_event_type(service)
        assert {r["event_type"] for r in trail(service)} == {t.__name__ for t in EVENT_TYPES}

    def test_the_trail_is_only_appended_to(self, service: CaseService) -> None:
        """Folding the log in two parts gives the same rows as folding it at once, and no
        row is ever kept as a keyed (updatable) row."""
        record_every_event_type(service)
        log = logged(service)
        rows = MemoryRows()
        fold(AuditTrailProjection(), log[:20], rows)
        first = [dict(r) for r in rows.appended[AUDIT_TRAIL.name]]
        fold(AuditTrailProjection(), log[20:], rows)
        assert rows.appended[AUDIT_TRAIL.name][:20] == first
        assert rows.appended[AUDIT_TRAIL.name] == trail(service)
        assert not any(rows.tables.values())

    def test_a_replayed_command_adds_no_row(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.SUBMITTED)
        again = key()
        j.send(c.AssessEligibility(j.id), date(2023, 4, 25), idempotency_key=again)
        j.send(c.AssessEligibility(j.id), date(2023, 4, 25), idempotency_key=again)
        assert [r["event_type"] for r in trail(service)] == ["Submitted", "EligibilityAssessed"]


class TestWhoWhenAndWhy:
    def test_the_actor_and_the_role_are_recorded(self, service: CaseService) -> None:
        Journey(service).to(Stage.AWARDED)
        assert [(r["event_type"], r["actor_id"], r["actor_role"]) for r in trail(service)] == [
            ("Submitted", "egov", "applicant"),
            ("EligibilityAssessed", "officer-1", "officer"),
            ("TestingCompleted", "officer-1", "officer"),
            ("InterviewSlotBooked", "egov", "applicant"),
            *(("InterviewEvaluated", expert, "expert") for expert in EXPERTS),
            ("InterviewCompleted", "officer-1", "officer"),
            ("Awarded", "rk-1", "commission"),
        ]

    def test_the_business_date_is_recorded_next_to_the_recording_time(
        self, service: CaseService
    ) -> None:
        """The award is recorded on 12 June (its business date); the library's timestamp is
        the moment it was stored."""
        Journey(service).to(Stage.AWARDED)
        awarded = [e for _, e in logged(service)][-1]
        row = only(service, "Awarded")
        assert row["occurred_on"] == ON[Stage.AWARDED].isoformat() == "2023-06-12"
        assert row["recorded_at"] == awarded.timestamp.isoformat()

    def test_the_business_dates_follow_the_ordinary_path(self, service: CaseService) -> None:
        Journey(service).to(Stage.CONTRACTED)
        dates = {r["event_type"]: r["occurred_on"] for r in trail(service)}
        assert (dates["Submitted"], dates["TestingCompleted"], dates["ContractsSigned"]) == (
            ON[Stage.SUBMITTED].isoformat(),
            ON[Stage.TESTED].isoformat(),
            ON[Stage.CONTRACTED].isoformat(),
        )

    def test_the_reason_and_the_correlation_and_causation_ids_are_recorded(
        self, service: CaseService
    ) -> None:
        j = Journey(service)
        j.to(Stage.ELIGIBLE)
        service.handle(
            c.Withdraw(j.id),
            CommandContext(
                actor_id="officer-7",
                role=Role.OFFICER,
                idempotency_key=key(),
                occurred_on=date(2023, 4, 28),
                reason="the applicant's written request of 27 April",
                correlation_id="egov-request-1234",
                causation_id="letter-0042",
            ),
        )
        row = only(service, "Withdrawn")
        assert {k: row[k] for k in ("actor_id", "actor_role", "occurred_on")} == {
            "actor_id": "officer-7",
            "actor_role": "officer",
            "occurred_on": "2023-04-28",
        }
        assert (row["reason"], row["correlation_id"], row["causation_id"]) == (
            "the applicant's written request of 27 April",
            "egov-request-1234",
            "letter-0042",
        )

    def test_without_given_ids_both_ids_are_the_commands_own(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.SUBMITTED)
        assessing = key()
        j.send(c.AssessEligibility(j.id), date(2023, 4, 25), idempotency_key=assessing)
        command_id = str(uuid5(APPLICATION_NAMESPACE, f"command:{assessing}"))
        row = only(service, "EligibilityAssessed")
        assert (row["reason"], row["correlation_id"], row["causation_id"]) == (
            "",
            command_id,
            command_id,
        )


class TestRulesets:
    def test_an_eligibility_decision_lists_the_campaign_rulesets(
        self, service: CaseService
    ) -> None:
        """001: the 2023 campaign's requirements and language thresholds."""
        Journey(service).to(Stage.ELIGIBLE)
        rulesets = only(service, "EligibilityAssessed")["rulesets"].split(",")
        assert rulesets == ["eligibility-2023-campaign", "language-thresholds-2023-campaign"]

    def test_the_final_interview_grade_lists_the_sheet_ruleset_and_cips_policies(
        self, service: CaseService
    ) -> None:
        """002 appendix 6: the evaluation sheet; the strict majority and the 2-5 scale are CIP's."""
        Journey(service).to(Stage.INTERVIEWED)
        assert only(service, "InterviewCompleted")["rulesets"] == (
            "interview-sheet-2017,cip-policy-interview-recommendation,"
            "cip-policy-interview-final-grade"
        )

    def test_the_award_and_the_contracts_list_the_contract_deadline_ruleset(
        self, service: CaseService
    ) -> None:
        """000 lines 36-45; 001 line 445."""
        Journey(service).to(Stage.CONTRACTED)
        assert only(service, "Awarded")["rulesets"] == "contract-deadline"
        assert only(service, "ContractsSigned")["rulesets"] == "contract-deadline"

    def test_a_revocation_for_the_missed_deadline_lists_its_ruleset(
        self, service: CaseService
    ) -> None:
        j = Journey(service)
        j.to(Stage.AWARDED)
        j.revoke_for_the_missed_deadline(DAY_91)
        row = only(service, "StatusRevoked")
        assert (row["rulesets"], row["actor_role"]) == ("contract-deadline", "system")

    def test_a_revocation_for_a_violation_lists_cips_policy(self, service: CaseService) -> None:
        """The seeds name no ground but the missed deadline: a violation is CIP policy."""
        j = Journey(service)
        j.to(Stage.CONTRACTED)
        j.send(c.Revoke(j.id, RevocationReason.VIOLATION), date(2023, 8, 1))
        assert only(service, "StatusRevoked")["rulesets"] == "cip-policy-status-revocation"

    def test_the_language_course_and_the_work_off_list_the_rules_in_force(
        self, service: CaseService
    ) -> None:
        """The 2023 quota "9+3" (001 line 275) for the course; 001 line 277 for the work-off."""
        j = Journey(service, b.submission(background=b.background(certificates=(b.ielts("5.5"),))))
        j.to(Stage.CONTRACTED)
        j.send(c.AssignLanguageCourse(j.id), date(2023, 7, 20))
        j.to(Stage.WORKING_OFF)
        assert only(service, "LanguageCourseAssigned")["rulesets"] == (
            "language-courses-2023-quota"
        )
        assert only(service, "WorkOffStarted")["rulesets"] == "work-off-2023"

    def test_a_submission_lists_its_intake_windows_and_a_sheet_its_form(
        self, service: CaseService
    ) -> None:
        """001 lines 40-53 (the 2023 windows); 002 appendix 6 (the sheet)."""
        j = Journey(service)
        j.to(Stage.INTERVIEWED)
        assert only(service, "Submitted")["rulesets"] == "intake-windows-2023"
        sheets = {r["rulesets"] for r in trail(service) if r["event_type"] == "InterviewEvaluated"}
        assert sheets == {"interview-sheet-2017"}

    def test_events_that_decide_nothing_list_no_ruleset(self, service: CaseService) -> None:
        record_every_event_type(service)
        undecided = {
            "TestingCompleted",
            "TestingAnnulled",
            "InterviewSlotBooked",
            "InterviewAnnulled",
            "Withdrawn",
            "Departed",
            "StudiesCompleted",
            "Returned",
            "WorkOffCompleted",
        }
        listed = {r["rulesets"] for r in trail(service) if r["event_type"] in undecided}
        assert listed == {""}

    def test_every_value_the_fold_writes_has_a_declared_column(self, service: CaseService) -> None:
        record_every_event_type(service)
        for row in trail(service):
            assert set(row) == set(AUDIT_TRAIL.column_names)
