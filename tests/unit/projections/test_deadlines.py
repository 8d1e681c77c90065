"""Deadlines read model: the 90-day contract deadline of an award, the language-course term
and the work-off term, each open until met, revoked or withdrawn; and the time limits CIP and
the commission keep (the eGov intake's answer, the commission's protocol, the winners list),
which only alert. Given these events, these rows. Grouped by the kind of deadline."""

from __future__ import annotations

from datetime import date

import pytest

from domain import commands as c
from domain.case.events import LanguageCourseAssigned, RevocationReason
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.programme import Category, Programme
from infra.case_store import CaseService
from projections.deadlines import (
    CONTRACT,
    COURSE,
    DEADLINE_CASES,
    DEADLINES,
    EGOV,
    LIST,
    PROTOCOL,
    WORK_OFF,
    DeadlinesProjection,
    add_months,
)
from projections.rows import MemoryRows, Row
from tests.support import builders as b
from tests.support.all_events import record_every_event_type
from tests.support.journey import DAY_90, DAY_91, ON, PROTOCOL_DATE, Journey
from tests.unit.projections.folding import all_rows, logged, project

COURSE_ASSIGNED_ON = date(2023, 7, 20)


def deadlines(service: CaseService) -> MemoryRows:
    return project(DeadlinesProjection(), service)


def deadline(service: CaseService, journey: Journey, kind: str) -> Row:
    found = deadlines(service).tables[DEADLINES.name].get((str(journey.id), kind))
    assert found is not None, f"no {kind} deadline for case {journey.id}"
    return found


TERMS = (CONTRACT, COURSE, WORK_OFF)  # the scholar's terms (the rest bind CIP)


def kinds(service: CaseService, journey: Journey, among: tuple[str, ...] = TERMS) -> dict[str, str]:
    """kind -> state of every deadline of the case (of the scholar's terms by default)."""
    return {
        row["kind"]: row["state"]
        for row in all_rows(deadlines(service), DEADLINES)
        if row["application_id"] == str(journey.id) and row["kind"] in among
    }


def closing(row: Row) -> tuple[str, str | None]:
    return row["state"], row["closed_on"]


def with_weak_english(service: CaseService) -> Journey:
    """IELTS 5.5: a language course is needed after contracts (002 appendix 7; 004)."""
    return Journey(service, b.submission(background=b.background(certificates=(b.ielts("5.5"),))))


class TestBeforeTheAward:
    def test_no_term_of_the_scholar_runs_during_selection(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEWED)
        assert kinds(service, j) == {}

    def test_the_case_is_remembered_with_its_code_programme_and_category(
        self, service: CaseService
    ) -> None:
        j = Journey(service)
        j.to(Stage.SUBMITTED)
        case = deadlines(service).tables[DEADLINE_CASES.name][(str(j.id),)]
        assert case == {
            "application_id": str(j.id),
            "applicant_code": service.get_case(j.id).applicant_code,
            "programme": "masters",
            "category": "rural",
        }

    def test_a_refusal_opens_no_deadline(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEWED)
        j.send(c.Refuse(j.id, "RK-2023/8", PROTOCOL_DATE), date(2023, 6, 12), role=Role.COMMISSION)
        assert kinds(service, j) == {}


class TestContractDeadline:
    def test_an_award_opens_a_contract_deadline_due_on_day_90(self, service: CaseService) -> None:
        """000 lines 36-45; 001 line 445: contracts within 90 calendar days of the award,
        counted from the protocol date (10 June), not the day it was recorded (12 June)."""
        j = Journey(service)
        j.to(Stage.AWARDED)
        assert deadline(service, j, CONTRACT) == {
            "application_id": str(j.id),
            "kind": CONTRACT,
            "applicant_code": service.get_case(j.id).applicant_code,
            "programme": "masters",
            "category": "rural",
            "starts_on": "2023-06-10",
            "due_on": "2023-09-08",
            "state": "open",
            "closed_on": None,
        }
        assert DAY_90.isoformat() == "2023-09-08"

    def test_signed_contracts_meet_the_deadline(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.CONTRACTED)
        assert closing(deadline(service, j, CONTRACT)) == ("met", ON[Stage.CONTRACTED].isoformat())

    def test_contracts_signed_on_day_90_meet_the_deadline(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.AWARDED)
        j.send(c.SignContracts(j.id, "TC-9", "SC-9"), DAY_90)
        assert closing(deadline(service, j, CONTRACT)) == ("met", DAY_90.isoformat())

    def test_a_revocation_for_the_missed_deadline_closes_it_as_revoked(
        self, service: CaseService
    ) -> None:
        """000 lines 43-45: contracts not signed in time, the status is lost on day 91."""
        j = Journey(service)
        j.to(Stage.AWARDED)
        j.revoke_for_the_missed_deadline(DAY_91, actor="deadline-job")
        row = deadline(service, j, CONTRACT)
        assert closing(row) == ("revoked", DAY_91.isoformat())
        assert row["due_on"] == DAY_90.isoformat()

    def test_a_withdrawal_after_the_award_closes_it_as_withdrawn(
        self, service: CaseService
    ) -> None:
        j = Journey(service)
        j.to(Stage.AWARDED)
        j.withdraw(date(2023, 6, 20))
        assert closing(deadline(service, j, CONTRACT)) == ("withdrawn", "2023-06-20")

    def test_a_met_deadline_stays_met_when_the_status_is_revoked_later(
        self, service: CaseService
    ) -> None:
        j = Journey(service)
        j.to(Stage.CONTRACTED)
        j.send(c.Revoke(j.id, RevocationReason.VIOLATION), date(2023, 8, 1))
        assert closing(deadline(service, j, CONTRACT)) == ("met", ON[Stage.CONTRACTED].isoformat())


class TestLanguageCourse:
    def test_an_assigned_course_opens_a_term_due_after_its_months(
        self, service: CaseService
    ) -> None:
        """The course's months in Kazakhstan and abroad, from the day it is assigned: a rural
        master's at IELTS 5.5 takes the 2023 "9+3" (001 line 275)."""
        j = with_weak_english(service)
        j.to(Stage.CONTRACTED)
        j.send(c.AssignLanguageCourse(j.id), COURSE_ASSIGNED_ON)
        assigned = [e for _, e in logged(service) if isinstance(e, LanguageCourseAssigned)]
        assert len(assigned) == 1
        months = assigned[0].months_in_kazakhstan + assigned[0].months_abroad
        row = deadline(service, j, COURSE)
        assert (row["starts_on"], row["due_on"], row["state"], row["closed_on"]) == (
            COURSE_ASSIGNED_ON.isoformat(),
            add_months(COURSE_ASSIGNED_ON, months).isoformat(),
            "open",
            None,
        )
        assert (months, row["due_on"]) == (12, "2024-07-20")

    def test_departure_closes_the_course_term_as_met(self, service: CaseService) -> None:
        j = with_weak_english(service)
        j.to(Stage.CONTRACTED)
        j.send(c.AssignLanguageCourse(j.id), COURSE_ASSIGNED_ON)
        j.send(c.RecordDeparture(j.id), date(2023, 9, 1))
        assert closing(deadline(service, j, COURSE)) == ("met", "2023-09-01")

    def test_departure_without_a_course_opens_no_course_term(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.STUDYING)
        assert kinds(service, j) == {CONTRACT: "met"}

    def test_a_revocation_during_the_course_closes_it_as_revoked(
        self, service: CaseService
    ) -> None:
        j = with_weak_english(service)
        j.to(Stage.CONTRACTED)
        j.send(c.AssignLanguageCourse(j.id), COURSE_ASSIGNED_ON)
        j.send(c.Revoke(j.id, RevocationReason.VIOLATION), date(2023, 8, 1))
        assert closing(deadline(service, j, COURSE)) == ("revoked", "2023-08-01")
        assert kinds(service, j) == {CONTRACT: "met", COURSE: "revoked"}


class TestWorkOff:
    def test_work_off_opens_a_term_due_on_its_end_date(self, service: CaseService) -> None:
        """001 line 277: a rural master's works off at least 3 years."""
        j = Journey(service)
        j.to(Stage.WORKING_OFF)
        ends_on = service.get_case(j.id).work_off_ends_on
        assert ends_on is not None
        row = deadline(service, j, WORK_OFF)
        assert (row["starts_on"], row["due_on"], row["state"], row["closed_on"]) == (
            ON[Stage.WORKING_OFF].isoformat(),
            ends_on.isoformat(),
            "open",
            None,
        )
        assert row["due_on"] == "2027-09-01"

    def test_completion_closes_the_term_as_met(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.WORK_OFF_COMPLETED)
        assert closing(deadline(service, j, WORK_OFF)) == (
            "met",
            ON[Stage.WORK_OFF_COMPLETED].isoformat(),
        )
        assert kinds(service, j) == {CONTRACT: "met", WORK_OFF: "met"}

    def test_a_revocation_while_working_off_closes_the_term_as_revoked(
        self, service: CaseService
    ) -> None:
        j = Journey(service)
        j.to(Stage.WORKING_OFF)
        j.send(c.Revoke(j.id, RevocationReason.VIOLATION), date(2025, 3, 1))
        assert closing(deadline(service, j, WORK_OFF)) == ("revoked", "2025-03-01")
        assert kinds(service, j) == {CONTRACT: "met", WORK_OFF: "revoked"}


class TestTimeLimits:
    """001 lines 532-533 (eGov: "2 рабочих дня"); 000 lines 473-477 (the protocol within 10
    days, the list one day after). They bind CIP and the commission: a breach is shown, the
    case goes on unchanged."""

    def test_the_egov_intake_is_answered_within_two_working_days(
        self, service: CaseService
    ) -> None:
        """Submitted Thursday 20 April 2023: due Monday 24 April (Saturday and Sunday are not
        working days, cip-policy-working-days-kz-holidays); answered that day, it is met."""
        j = Journey(service)
        j.to(Stage.SUBMITTED)
        row = deadline(service, j, EGOV)
        assert (row["starts_on"], row["due_on"], row["state"]) == (
            "2023-04-20",
            "2023-04-24",
            "open",
        )
        j.send(c.AssessEligibility(j.id), date(2023, 4, 24))
        assert closing(deadline(service, j, EGOV)) == ("met", "2023-04-24")

    def test_an_intake_answered_after_two_working_days_is_late_and_the_case_goes_on(
        self, service: CaseService
    ) -> None:
        j = Journey(service)
        j.to(Stage.TESTED)  # eligibility decided on 25 April
        assert closing(deadline(service, j, EGOV)) == ("late", ON[Stage.ELIGIBLE].isoformat())
        assert service.get_case(j.id).stage is Stage.TESTED

    def test_a_referral_to_an_officer_answers_the_intake(self, service: CaseService) -> None:
        unlisted = b.plan(Programme.MASTERS, Category.GENERAL, country="AR")
        j = Journey(service, b.submission(plan=unlisted))
        j.to(Stage.SUBMITTED)
        j.send(c.AssessEligibility(j.id), date(2023, 4, 21))
        assert service.get_case(j.id).stage is Stage.ELIGIBILITY_REVIEW
        assert closing(deadline(service, j, EGOV)) == ("met", "2023-04-21")

    def test_the_commissions_protocol_reaches_cip_within_ten_days(
        self, service: CaseService
    ) -> None:
        """Protocol of 10 June recorded on 12 June: met (due 20 June)."""
        j = Journey(service)
        j.to(Stage.AWARDED)
        row = deadline(service, j, PROTOCOL)
        assert (row["starts_on"], row["due_on"], row["state"], row["closed_on"]) == (
            "2023-06-10",
            "2023-06-20",
            "met",
            "2023-06-12",
        )

    def test_a_protocol_received_after_ten_days_is_late_for_a_refusal_too(
        self, service: CaseService
    ) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEWED)
        j.send(c.Refuse(j.id, "RK-2023/8", PROTOCOL_DATE), date(2023, 6, 25), role=Role.COMMISSION)
        assert closing(deadline(service, j, PROTOCOL)) == ("late", "2023-06-25")
        assert LIST not in kinds(service, j, (LIST,))

    def test_the_winners_list_is_published_the_day_after_the_protocol(
        self, service: CaseService
    ) -> None:
        j = Journey(service)
        j.to(Stage.AWARDED)  # recorded 12 June: the list is due 13 June
        assert (deadline(service, j, LIST)["due_on"], kinds(service, j, (LIST,))) == (
            "2023-06-13",
            {LIST: "open"},
        )
        j.send(c.RecordWinnersListPublished(j.id), date(2023, 6, 15))
        assert closing(deadline(service, j, LIST)) == ("late", "2023-06-15")
        assert service.get_case(j.id).stage is Stage.AWARDED


class TestAddingMonths:
    @pytest.mark.parametrize(
        ("start", "months", "due"),
        [
            (date(2023, 7, 20), 9, date(2024, 4, 20)),
            (date(2023, 11, 15), 3, date(2024, 2, 15)),
            (date(2023, 12, 1), 12, date(2024, 12, 1)),
            (date(2023, 1, 31), 1, date(2023, 2, 28)),
            (date(2023, 8, 31), 6, date(2024, 2, 29)),
            (date(2023, 5, 31), 1, date(2023, 6, 30)),
        ],
    )
    def test_a_term_ends_on_the_same_day_or_the_last_day_of_a_shorter_month(
        self, start: date, months: int, due: date
    ) -> None:
        assert add_months(start, months) == due


class TestTheFold:
    def test_the_cases_of_every_event_type_leave_these_deadlines(
        self, service: CaseService
    ) -> None:
        """tests/support/all_events.py: the whole life meets all three; the case revoked for
        the missed deadline leaves it revoked; the scholar who declined the award leaves it
        withdrawn; no other case reached an award."""
        whole, _, _, _, _, _, revoked, declined, _, _ = record_every_event_type(service)
        states = {
            (row["application_id"], row["kind"]): row["state"]
            for row in all_rows(deadlines(service), DEADLINES)
            if row["kind"] in TERMS
        }
        assert states == {
            (str(whole), CONTRACT): "met",
            (str(whole), COURSE): "met",
            (str(whole), WORK_OFF): "met",
            (str(revoked), CONTRACT): "revoked",
            (str(declined), CONTRACT): "withdrawn",
        }

    def test_every_value_the_fold_writes_has_a_declared_column(self, service: CaseService) -> None:
        record_every_event_type(service)
        rows = deadlines(service)
        for table in (DEADLINES, DEADLINE_CASES):
            for row in all_rows(rows, table):
                assert set(row) == set(table.column_names)
