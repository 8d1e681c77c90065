"""Interview queue read model: the anonymised rows the NEC works from (001 line 484
"Шифрование претендента путем присвоения номера"; the sheet's header, 002 lines 1311-1368).
Given these events, these rows. Grouped by where the case is in the interview round."""

from __future__ import annotations

from datetime import date

import pytest

from domain import commands as c
from domain.case.events import TestingAnnulment
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.qualifications import KazTest
from infra.case_store import CaseService
from projections.case_list import PII_COLUMNS
from projections.interview_queue import INTERVIEW_QUEUE, InterviewQueueProjection
from projections.rows import MemoryRows, Row
from tests.support import builders as b
from tests.support.all_events import record_every_event_type
from tests.support.journey import EXPERTS, SCORES, SLOT_DAY, Journey
from tests.unit.projections.folding import DISTINCT, all_rows, leaks, project, step_by_step

SLOT = b.slot(SLOT_DAY).isoformat()


def queue(service: CaseService) -> MemoryRows:
    return project(InterviewQueueProjection(), service)


def in_table(service: CaseService, journey: Journey) -> Row | None:
    return queue(service).tables[INTERVIEW_QUEUE.name].get((str(journey.id),))


def queued(service: CaseService) -> list[str]:
    """The ids of the cases waiting for their interview."""
    return [r["application_id"] for r in all_rows(queue(service), INTERVIEW_QUEUE) if r["queued"]]


def evaluate(journey: Journey, expert: str) -> None:
    journey.send(
        c.EvaluateInterview(journey.id, SCORES, True, "clear motivation"),
        SLOT_DAY,
        role=Role.EXPERT,
        actor=expert,
    )


class TestBeforeTheSlotIsBooked:
    @pytest.mark.parametrize("stage", [Stage.SUBMITTED, Stage.ELIGIBLE, Stage.TESTED])
    def test_a_case_is_not_queued_before_its_slot_is_booked(
        self, service: CaseService, stage: Stage
    ) -> None:
        j = Journey(service)
        j.to(stage)
        row = in_table(service, j)
        assert row is not None
        assert (row["queued"], row["slot_at"], row["sheets"]) == (0, None, 0)
        assert queued(service) == []

    def test_the_testing_results_are_kept_for_the_commission(self, service: CaseService) -> None:
        """002 lines 1360-1368: the sheet shows the comprehensive testing result."""
        j = Journey(service)
        j.to(Stage.TESTED)
        row = in_table(service, j)
        assert row is not None
        assert (row["verbal_score"], row["numerical_score"]) == (70, 81)

    def test_an_ineligible_case_is_never_queued(self, service: CaseService) -> None:
        """Its row stays unqueued: eligibility decided again may still make it eligible."""
        j = Journey(service, b.submission(background=b.background(kaztest=KazTest(10))))
        j.to(Stage.SUBMITTED)
        j.send(c.AssessEligibility(j.id), date(2023, 4, 25))
        row = in_table(service, j)
        assert row is not None
        assert row["queued"] == 0
        for _, _, rows in step_by_step(InterviewQueueProjection(), service):
            assert not any(r["queued"] for r in all_rows(rows, INTERVIEW_QUEUE))

    def test_a_case_withdrawn_before_booking_leaves_the_table(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.TESTED)
        j.withdraw(date(2023, 5, 6))
        assert in_table(service, j) is None

    def test_a_case_whose_testing_is_annulled_leaves_the_table(self, service: CaseService) -> None:
        """000 lines 376-387: the results of the selection stage are annulled."""
        j = Journey(service)
        j.to(Stage.TESTED)
        j.send(c.AnnulTesting(j.id, TestingAnnulment.VIOLATION), date(2023, 5, 6))
        assert in_table(service, j) is None


class TestWhenTheSlotIsBooked:
    def test_booking_a_slot_queues_the_case(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEW_BOOKED)
        row = in_table(service, j)
        assert row is not None
        assert (row["queued"], row["slot_at"]) == (1, SLOT)
        assert queued(service) == [str(j.id)]

    def test_the_row_shows_what_the_sheet_header_asks_for(self, service: CaseService) -> None:
        """002 lines 1311-1368: applicant code, GPA, diploma specialty, category, country,
        language, institution, programme and specialty, and the test results."""
        j = Journey(service)
        j.to(Stage.INTERVIEW_BOOKED)
        assert in_table(service, j) == {
            "application_id": str(j.id),
            "applicant_code": service.get_case(j.id).applicant_code,
            "category": "rural",
            "programme": "masters",
            "specialty": "Hydrology",
            "bachelor_specialty": "Water Resources",
            "country": "GB",
            "language": "en",
            "institution": "University of Edinburgh",
            "gpa": pytest.approx(3.40),
            "kaztest": 120,
            "language_certificates": "IELTS 7",
            "verbal_score": 70,
            "numerical_score": 81,
            "slot_at": SLOT,
            "sheets": 0,
            "queued": 1,
        }

    def test_each_members_sheet_is_counted(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEW_BOOKED)
        counted = []
        for expert in EXPERTS[:2]:
            evaluate(j, expert)
            row = in_table(service, j)
            assert row is not None
            counted.append((row["sheets"], row["queued"]))
        assert counted == [(1, 1), (2, 1)]

    def test_only_booked_cases_are_queued_among_several(self, service: CaseService) -> None:
        booked, tested = Journey(service), Journey(service)
        booked.to(Stage.INTERVIEW_BOOKED)
        tested.to(Stage.TESTED)
        assert queued(service) == [str(booked.id)]


class TestLeavingTheQueue:
    def test_the_final_grade_takes_the_case_out_of_the_queue(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEWED)
        assert in_table(service, j) is None

    def test_an_annulled_interview_takes_the_case_out_of_the_queue(
        self, service: CaseService
    ) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEW_BOOKED)
        evaluate(j, EXPERTS[0])
        j.send(c.AnnulInterview(j.id), SLOT_DAY)
        assert in_table(service, j) is None

    def test_an_interview_annulled_after_the_final_grade_changes_nothing(
        self, service: CaseService
    ) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEWED)
        j.send(c.AnnulInterview(j.id), date(2023, 5, 23))
        assert all_rows(queue(service), INTERVIEW_QUEUE) == []

    def test_a_withdrawal_takes_the_case_out_of_the_queue(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEW_BOOKED)
        j.withdraw(date(2023, 5, 10))
        assert in_table(service, j) is None

    def test_the_others_stay_queued_when_one_leaves(self, service: CaseService) -> None:
        leaving, staying = Journey(service), Journey(service)
        leaving.to(Stage.INTERVIEW_BOOKED)
        staying.to(Stage.INTERVIEW_BOOKED)
        leaving.to(Stage.INTERVIEWED)
        assert queued(service) == [str(staying.id)]


class TestAnonymity:
    def test_no_column_is_meant_for_personal_data(self) -> None:
        """No name, IIN, birth date or contacts: the table has no such column."""
        columns = set(INTERVIEW_QUEUE.column_names)
        assert not columns & set(PII_COLUMNS)
        for column in columns:
            for word in ("name", "iin", "birth", "mail", "phone", "contact", "address"):
                assert word not in column, column

    def test_no_value_ever_holds_personal_data(self, service: CaseService) -> None:
        """After every event of an interview round, no value of any row contains the
        applicant's name (or part of it), IIN, birth date, e-mail or phone."""
        waiting = Journey(service, b.submission(applicant=DISTINCT))
        waiting.to(Stage.INTERVIEW_BOOKED)
        evaluate(waiting, EXPERTS[0])
        done = Journey(service, b.submission(applicant=DISTINCT))
        done.to(Stage.INTERVIEWED)
        seen = 0
        for position, event, rows in step_by_step(InterviewQueueProjection(), service):
            for row in all_rows(rows, INTERVIEW_QUEUE):
                seen += 1
                assert leaks(row, DISTINCT) == [], (position, type(event).__name__)
        assert seen > 0
        assert len(all_rows(queue(service), INTERVIEW_QUEUE)) == 1

    def test_the_applicant_code_does_not_identify_the_applicant(self, service: CaseService) -> None:
        """001 line 484: the NEC sees a code instead of the name."""
        j = Journey(service, b.submission(applicant=DISTINCT))
        j.to(Stage.INTERVIEW_BOOKED)
        row = in_table(service, j)
        assert row is not None
        code = row["applicant_code"]
        assert code.startswith("BA-")
        for part in (DISTINCT.iin, *DISTINCT.full_name.upper().split()):
            assert part not in code

    def test_every_value_the_fold_writes_has_a_declared_column(self, service: CaseService) -> None:
        record_every_event_type(service)
        Journey(service).to(Stage.INTERVIEW_BOOKED)
        rows = all_rows(queue(service), INTERVIEW_QUEUE)
        assert rows
        for row in rows:
            assert set(row) == set(INTERVIEW_QUEUE.column_names)
