"""Dashboard read model: the selection funnel per campaign year, intake window, programme and
category, with interview sheets and scores summed for averages. Given these events, these
rows. Grouped by what is counted."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain import commands as c
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.programme import Category, Programme
from domain.qualifications import Gpa, GradeScale, KazTest
from domain.rules.interview_sheet import criterion_keys
from infra.case_store import CaseService
from projections.base import fold
from projections.dashboard import (
    DASHBOARD,
    DASHBOARD_CASES,
    DASHBOARD_PLACES,
    DIMENSIONS,
    FUNNEL,
    SCORES,
    WORK,
    DashboardProjection,
)
from projections.rows import MemoryRows, Row
from tests.support import builders as b
from tests.support.all_events import record_every_event_type
from tests.support.journey import EXPERTS, PROTOCOL_DATE, SLOT_DAY, Journey
from tests.support.journey import SCORES as SHEET_SCORES
from tests.unit.projections.folding import all_rows, logged, project

RURAL_MASTERS_W2 = (2023, 2, "masters", "rural")  # the builders' default, on 20 April 2023


def dashboard(service: CaseService) -> MemoryRows:
    return project(DashboardProjection(), service)


def counts(service: CaseService, key: tuple[int, int, str, str] = RURAL_MASTERS_W2) -> Row:
    found = dashboard(service).tables[DASHBOARD.name].get(key)
    assert found is not None, f"no dashboard row {key}"
    return found


def funnel(row: Row) -> dict[str, int]:
    """The funnel counters that are not zero."""
    return {name: row[name] for name in FUNNEL if row[name]}


def submit_on(service: CaseService, on: date, category: Category = Category.RURAL) -> Journey:
    j = Journey(service, b.submission(plan=b.plan(Programme.MASTERS, category)))
    j.send(j.submission, on, role=Role.APPLICANT, actor="egov")
    return j


class TestTheFunnel:
    def test_a_submission_counts_once_in_its_row(self, service: CaseService) -> None:
        Journey(service).to(Stage.SUBMITTED)
        row = counts(service)
        assert funnel(row) == {"submitted": 1}
        assert (row["interview_sheets"], row["final_scores"], row["final_score_sum"]) == (0, 0, 0)

    def test_an_eligible_case_counts_as_assessed_and_eligible(self, service: CaseService) -> None:
        Journey(service).to(Stage.ELIGIBLE)
        assert funnel(counts(service)) == {"submitted": 1, "assessed": 1, "eligible": 1}

    def test_an_ineligible_case_counts_as_assessed_and_ineligible(
        self, service: CaseService
    ) -> None:
        j = Journey(service, b.submission(background=b.background(kaztest=KazTest(10))))
        j.to(Stage.SUBMITTED)
        j.send(c.AssessEligibility(j.id), date(2023, 4, 25))
        assert funnel(counts(service)) == {"submitted": 1, "assessed": 1, "ineligible": 1}

    def test_a_case_through_selection_counts_at_every_round(self, service: CaseService) -> None:
        """001 "3 ТУРА КОНКУРСНОГО ОТБОРА": testing, interview, the Commission's award."""
        Journey(service).to(Stage.AWARDED)
        rounds = ("submitted", "assessed", "eligible", "tested", "interviewed", "awarded")
        assert funnel(counts(service)) == dict.fromkeys(rounds, 1)

    def test_a_refusal_is_counted_instead_of_an_award(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEWED)
        j.send(c.Refuse(j.id, "RK-2023/8", PROTOCOL_DATE), date(2023, 6, 12), role=Role.COMMISSION)
        row = counts(service)
        assert (row["refused"], row["awarded"]) == (1, 0)

    def test_signed_contracts_are_counted(self, service: CaseService) -> None:
        Journey(service).to(Stage.CONTRACTED)
        row = counts(service)
        assert (row["awarded"], row["contracted"], row["revoked"]) == (1, 1, 0)

    def test_a_revocation_is_counted_next_to_the_award(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.AWARDED)
        j.revoke_for_the_missed_deadline(date(2023, 9, 9))
        row = counts(service)
        assert (row["awarded"], row["contracted"], row["revoked"]) == (1, 0, 1)

    def test_a_withdrawal_is_counted(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.ELIGIBLE)
        j.withdraw(date(2023, 4, 28))
        assert funnel(counts(service)) == {
            "submitted": 1,
            "assessed": 1,
            "eligible": 1,
            "withdrawn": 1,
        }

    def test_the_cases_of_every_event_type_add_up(self, service: CaseService) -> None:
        """Eight rural cases (tests/support/all_events.py): a whole scholar's life, documents
        presented late then eligibility decided again (counted once), annulled testing,
        annulled interview, refused, revoked for the deadline, withdrawn on submission, and
        one eligible whose personal data was erased (still counted: erasure is not a stage)."""
        record_every_event_type(service)
        assert funnel(counts(service)) == {
            "submitted": 8,
            "assessed": 7,
            "eligible": 7,
            "tested": 4,
            "interviewed": 3,
            "awarded": 2,
            "refused": 1,
            "contracted": 1,
            "revoked": 1,
            "withdrawn": 1,
        }

    def test_steps_after_contracts_move_no_counter(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.CONTRACTED)
        before = dict(counts(service))
        j.to(Stage.WORK_OFF_COMPLETED)
        assert counts(service) == before


class TestInterviewScores:
    def test_each_sheet_is_counted_and_its_scores_summed_per_criterion(
        self, service: CaseService
    ) -> None:
        """002 appendix 6: five criteria scored 2 to 5, one sheet per NEC member."""
        j = Journey(service)
        j.to(Stage.INTERVIEW_BOOKED)
        keys = criterion_keys()
        sheets = [
            dict.fromkeys(keys, 5),
            dict.fromkeys(keys, 3),
            {k: 2 + i % 4 for i, k in enumerate(keys)},
        ]
        for expert, scores in zip(EXPERTS, sheets, strict=True):
            j.send(
                c.EvaluateInterview(j.id, scores, True, "fine"),
                SLOT_DAY,
                role=Role.EXPERT,
                actor=expert,
            )
        row = counts(service)
        assert row["interview_sheets"] == 3
        assert {k: row[f"score_{k}"] for k in keys} == {k: sum(s[k] for s in sheets) for k in keys}
        assert row["interviewed"] == 0  # no final grade yet

    def test_the_sheets_of_two_cases_add_up_in_their_row(self, service: CaseService) -> None:
        Journey(service).to(Stage.INTERVIEWED)
        Journey(service).to(Stage.INTERVIEWED)
        row = counts(service)
        assert row["interview_sheets"] == 6
        assert {k: row[f"score_{k}"] for k in SHEET_SCORES} == {
            k: 6 * v for k, v in SHEET_SCORES.items()
        }

    def test_the_final_grades_are_summed_and_counted_for_the_average(
        self, service: CaseService
    ) -> None:
        Journey(service).to(Stage.INTERVIEWED)  # final grade 4.67
        j = Journey(service)
        j.to(Stage.INTERVIEW_BOOKED)
        j.evaluate_all()
        j.send(c.CompleteInterview(j.id, Decimal("3.50")), date(2023, 5, 22))
        row = counts(service)
        assert (row["final_scores"], row["interviewed"]) == (2, 2)
        assert row["final_score_sum"] == pytest.approx(8.17)
        assert row["final_score_sum"] / row["final_scores"] == pytest.approx(4.085)

    def test_an_annulled_interview_keeps_its_sheets_but_has_no_final_grade(
        self, service: CaseService
    ) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEW_BOOKED)
        j.evaluate_all()
        j.send(c.AnnulInterview(j.id), SLOT_DAY)
        row = counts(service)
        assert (row["interview_sheets"], row["interviewed"], row["final_scores"]) == (3, 0, 0)

    def test_there_is_a_score_column_for_every_criterion_of_the_sheet(self) -> None:
        assert tuple(f"score_{k}" for k in criterion_keys()) == SCORES
        assert set(SCORES) <= set(DASHBOARD.column_names)
        assert set(SHEET_SCORES) == set(criterion_keys())


class TestDimensions:
    def test_cases_of_the_same_window_and_category_share_one_row(
        self, service: CaseService
    ) -> None:
        Journey(service).to(Stage.SUBMITTED)
        Journey(service).to(Stage.ELIGIBLE)
        rows = dashboard(service)
        assert list(rows.tables[DASHBOARD.name]) == [RURAL_MASTERS_W2]
        assert funnel(counts(service)) == {"submitted": 2, "assessed": 1, "eligible": 1}

    def test_cases_in_different_intake_windows_land_in_different_rows(
        self, service: CaseService
    ) -> None:
        """001 lines 40-53: 20 April is in the second window, 10 June in the third."""
        submit_on(service, date(2023, 4, 20))
        third = submit_on(service, date(2023, 6, 10))
        third.send(c.AssessEligibility(third.id), date(2023, 6, 15))
        assert set(dashboard(service).tables[DASHBOARD.name]) == {
            RURAL_MASTERS_W2,
            (2023, 3, "masters", "rural"),
        }
        assert funnel(counts(service)) == {"submitted": 1}
        assert funnel(counts(service, (2023, 3, "masters", "rural"))) == {
            "submitted": 1,
            "assessed": 1,
            "eligible": 1,
        }

    def test_cases_of_different_categories_land_in_different_rows(
        self, service: CaseService
    ) -> None:
        Journey(service).to(Stage.ELIGIBLE)
        general = Journey(service, b.submission(plan=b.plan(Programme.MASTERS, Category.GENERAL)))
        general.to(Stage.TESTED)
        assert set(dashboard(service).tables[DASHBOARD.name]) == {
            RURAL_MASTERS_W2,
            (2023, 2, "masters", "general"),
        }
        assert funnel(counts(service)) == {"submitted": 1, "assessed": 1, "eligible": 1}
        assert funnel(counts(service, (2023, 2, "masters", "general"))) == {
            "submitted": 1,
            "assessed": 1,
            "eligible": 1,
            "tested": 1,
        }

    def test_each_case_is_remembered_under_its_dimensions(self, service: CaseService) -> None:
        j = submit_on(service, date(2023, 6, 10), category=Category.GENERAL)
        row = dashboard(service).tables[DASHBOARD_CASES.name][(str(j.id),)]
        assert tuple(row[d] for d in DIMENSIONS) == (2023, 3, "masters", "general")

    def test_an_event_of_a_case_never_submitted_is_refused(self, service: CaseService) -> None:
        Journey(service).to(Stage.ELIGIBLE)
        without_submission = [(p, e) for p, e in logged(service) if p != 1]
        rows = MemoryRows()
        with pytest.raises(LookupError):
            fold(DashboardProjection(), without_submission, rows)

    def test_every_value_the_fold_writes_has_a_declared_column(self, service: CaseService) -> None:
        record_every_event_type(service)
        rows = dashboard(service)
        for table in (DASHBOARD, DASHBOARD_CASES):
            for row in all_rows(rows, table):
                assert set(row) == set(table.column_names)


class TestWorkLeftToPeople:
    def test_the_cases_of_every_event_type_show_the_officers_work(
        self, service: CaseService
    ) -> None:
        """tests/support/all_events.py, rural masters of window 2: one package completed
        later, one failed control test referred to an officer and decided."""
        record_every_event_type(service)
        row = counts(service)
        assert {name: row[name] for name in WORK} == {
            "documents_presented": 1,
            "referred": 1,
            "decided_by_officer": 1,
            "control_tests": 1,
            "control_tests_failed": 1,
        }

    def test_eligibility_decided_again_moves_the_case_and_counts_it_once(
        self, service: CaseService
    ) -> None:
        """An ineligible case found eligible on the Ministry's corrected equivalent (002 line
        1296): assessed once, eligible, no longer ineligible."""
        j = Journey(service, b.submission(background=b.background(gpa=Gpa("15", GradeScale.OTHER))))
        j.to(Stage.SUBMITTED)
        j.send(c.AssessEligibility(j.id, Decimal("2.5")), date(2023, 4, 25))
        assert funnel(counts(service)) == {"submitted": 1, "assessed": 1, "ineligible": 1}
        j.send(
            c.ReassessEligibility(j.id, Decimal("3.2")), date(2023, 4, 27), reason="Ministry 2023/9"
        )
        assert funnel(counts(service)) == {"submitted": 1, "assessed": 1, "eligible": 1}


class TestThePlaces:
    """The campaign's places as its quota ledger counts them (555 in 2023, seed 001 line
    36): reserved by awards, returned by a revocation or a declined award, overrides."""

    def test_the_places_are_counted_from_the_ledgers_events(self, service: CaseService) -> None:
        record_every_event_type(service)
        (row,) = all_rows(dashboard(service), DASHBOARD_PLACES)
        ledger = service.stored_ledger(2023)
        assert ledger is not None
        assert row["campaign_year"] == 2023
        assert row["places"] == 555
        assert row["reserved"] == ledger.total("reserved") == 3  # the whole, revoked, beyond
        assert row["returned"] == ledger.total("returned") == 2  # revoked, and declined
        assert row["overrides"] == 1  # beyond the engineering share (synthetic: none)

    def test_no_award_no_places_row(self, service: CaseService) -> None:
        Journey(service).to(Stage.INTERVIEWED)
        assert all_rows(dashboard(service), DASHBOARD_PLACES) == []
