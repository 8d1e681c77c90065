"""Case list read model: one row per application, stage, status and key dates following the
events; personal data kept apart in the restricted ``case_pii`` table. Given these events,
these rows. Grouped by the stage the case reached."""

from __future__ import annotations

import re
from datetime import date

import pytest

from domain import commands as c
from domain.case.events import Submitted, TestingAnnulment
from domain.case.meta import Role
from domain.case.stage import CaseStatus, Stage
from domain.qualifications import KazTest
from domain.rules.interview_sheet import criterion_keys
from domain.submission import Document
from infra.case_store import CaseService
from projections.case_list import (
    CASE_LIST,
    CASE_PII,
    PII_COLUMNS,
    CaseListProjection,
    identity_columns,
)
from projections.rows import Row
from tests.support import builders as b
from tests.support.all_events import record_every_event_type
from tests.support.journey import DAY_90, DAY_91, ON, PROTOCOL_DATE, SLOT_DAY, Journey
from tests.unit.projections.folding import (
    DISTINCT,
    all_rows,
    leaks,
    logged,
    project,
    row_of,
    step_by_step,
)


def listed(service: CaseService, journey: Journey) -> Row:
    return row_of(project(CaseListProjection(), service), CASE_LIST, journey.id)


class TestWhenSubmitted:
    def test_each_case_has_exactly_one_row_keyed_by_its_id(self, service: CaseService) -> None:
        first, second = Journey(service), Journey(service)
        first.to(Stage.AWARDED)
        second.to(Stage.TESTED)
        rows = project(CaseListProjection(), service)
        assert set(rows.tables[CASE_LIST.name]) == {(str(first.id),), (str(second.id),)}

    def test_a_new_case_is_listed_as_submitted_and_in_selection(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.SUBMITTED)
        row = listed(service, j)
        assert (row["stage"], row["status"]) == ("submitted", "in_selection")

    def test_the_submission_date_and_intake_window_are_listed(self, service: CaseService) -> None:
        """001 lines 40-53: 20 April 2023 falls in the second window (3-28 April)."""
        j = Journey(service)
        j.to(Stage.SUBMITTED)
        row = listed(service, j)
        assert (row["submitted_on"], row["campaign_year"], row["intake_window"]) == (
            "2023-04-20",
            2023,
            2,
        )

    def test_the_study_plan_is_listed_for_filtering(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.SUBMITTED)
        row = listed(service, j)
        assert {k: row[k] for k in ("programme", "category", "country", "language")} == {
            "programme": "masters",
            "category": "rural",
            "country": "GB",
            "language": "en",
        }
        assert (row["institution"], row["specialty"]) == ("University of Edinburgh", "Hydrology")

    def test_the_gpa_is_listed_on_the_four_point_scale(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.SUBMITTED)
        assert listed(service, j)["gpa"] == pytest.approx(3.40)

    def test_the_applicant_code_is_listed(self, service: CaseService) -> None:
        """001 line 484: "Шифрование претендента путем присвоения номера"."""
        j = Journey(service)
        j.to(Stage.SUBMITTED)
        code = listed(service, j)["applicant_code"]
        assert isinstance(code, str)
        assert re.fullmatch(r"BA-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
        assert code == service.get_case(j.id).applicant_code


class TestPersonalData:
    def test_name_iin_birth_date_and_contacts_are_kept_in_case_pii_sealed_under_the_cases_key(
        self, service: CaseService
    ) -> None:
        j = Journey(service, b.submission(applicant=DISTINCT))
        j.to(Stage.SUBMITTED)
        pii = row_of(project(CaseListProjection(service.sealer), service), CASE_PII, j.id)
        assert set(pii) == {"application_id", "iin_digest", "sealed"}
        assert leaks(pii, DISTINCT) == []  # nothing in clear
        assert pii["iin_digest"] == service.sealer.digest(DISTINCT.iin)
        wrapped = key_row(service, j)
        opened = service.sealer.open_with_key(j.id, wrapped, pii["sealed"])
        assert opened is not None
        assert identity_columns(opened) == {
            "full_name": DISTINCT.full_name,
            "iin": DISTINCT.iin,
            "birth_date": DISTINCT.birth_date.isoformat(),
            "email": DISTINCT.email,
            "phone": DISTINCT.phone,
        }
        assert service.sealer.open_with_key(j.id, None, pii["sealed"]) is None  # erased

    def test_without_a_sealer_no_copy_of_the_identity_is_kept(self, service: CaseService) -> None:
        j = Journey(service, b.submission(applicant=DISTINCT))
        j.to(Stage.SUBMITTED)
        assert all_rows(project(CaseListProjection(), service), CASE_PII) == []

    def test_case_list_has_no_column_for_personal_data(self) -> None:
        assert not set(CASE_LIST.column_names) & set(PII_COLUMNS)
        assert not set(CASE_PII.column_names) & set(PII_COLUMNS)

    def test_no_case_list_value_ever_holds_personal_data(self, service: CaseService) -> None:
        """After every event of a whole scholar's life, no value contains the applicant's
        name, IIN, birth date, e-mail or phone."""
        j = Journey(service, b.submission(applicant=DISTINCT))
        j.to(Stage.WORK_OFF_COMPLETED)
        for position, event, rows in step_by_step(CaseListProjection(service.sealer), service):
            for row in [*all_rows(rows, CASE_LIST), *all_rows(rows, CASE_PII)]:
                assert leaks(row, DISTINCT) == [], (position, type(event).__name__)

    def test_the_personal_data_is_written_on_submission_and_left_alone_after(
        self, service: CaseService
    ) -> None:
        j = Journey(service, b.submission(applicant=DISTINCT))
        j.to(Stage.CONTRACTED)
        snapshots = [
            all_rows(rows, CASE_PII)
            for _, _, rows in step_by_step(CaseListProjection(service.sealer), service)
        ]
        assert all(s == snapshots[0] for s in snapshots)
        assert [r["iin_digest"] for r in snapshots[0]] == [service.sealer.digest(DISTINCT.iin)]

    def test_an_erasure_read_in_the_same_batch_as_its_submission_keeps_no_row(
        self, service: CaseService
    ) -> None:
        """A worker decodes a page before folding it: the erasure it decoded has dropped
        the key by the time the submission is folded, and the fold keeps nothing."""
        j = Journey(service, b.submission(applicant=DISTINCT))
        j.to(Stage.SUBMITTED)
        j.erase(ON[Stage.ELIGIBLE])
        assert all_rows(project(CaseListProjection(service.sealer), service), CASE_PII) == []


def key_row(service: CaseService, j: Journey) -> bytes | None:
    found = service.sealer.store.get(j.id)  # type: ignore[attr-defined]
    assert found is not None
    wrapped: bytes | None = found.wrapped
    return wrapped


class TestWhenAssessed:
    def test_an_eligible_case_stays_in_selection(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.ELIGIBLE)
        row = listed(service, j)
        assert (row["stage"], row["status"], row["eligible"]) == ("eligible", "in_selection", 1)
        assert row["assessed_on"] == ON[Stage.ELIGIBLE].isoformat()

    def test_an_ineligible_case_is_closed(self, service: CaseService) -> None:
        j = Journey(service, b.submission(background=b.background(kaztest=KazTest(10))))
        j.to(Stage.SUBMITTED)
        j.send(c.AssessEligibility(j.id), date(2023, 4, 25))
        row = listed(service, j)
        assert (row["stage"], row["status"], row["eligible"]) == ("ineligible", "closed", 0)
        assert row["assessed_on"] == "2023-04-25"


class TestDuringSelection:
    def test_testing_records_its_date(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.TESTED)
        row = listed(service, j)
        assert (row["stage"], row["tested_on"]) == ("tested", ON[Stage.TESTED].isoformat())

    def test_booking_records_the_interview_slot(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEW_BOOKED)
        row = listed(service, j)
        assert (row["stage"], row["interview_slot_at"]) == (
            "interview_booked",
            b.slot(SLOT_DAY).isoformat(),
        )

    def test_a_sheet_does_not_move_the_stage(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEW_BOOKED)
        j.send(
            c.EvaluateInterview(j.id, dict.fromkeys(criterion_keys(), 4), True, "ok"),
            SLOT_DAY,
            role=Role.EXPERT,
            actor="nec-01",
        )
        row = listed(service, j)
        assert (row["stage"], row["last_event_on"]) == ("interview_booked", SLOT_DAY.isoformat())

    def test_the_final_interview_grade_is_listed(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEWED)
        row = listed(service, j)
        assert (row["stage"], row["status"]) == ("interviewed", "in_selection")
        assert row["interview_score"] == pytest.approx(4.67)

    def test_annulled_testing_closes_the_case(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.TESTED)
        j.send(c.AnnulTesting(j.id, TestingAnnulment.WINDOW_CLOSED), date(2023, 5, 5))
        row = listed(service, j)
        assert (row["stage"], row["status"]) == ("testing_annulled", "closed")

    def test_an_annulled_interview_closes_the_case(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEW_BOOKED)
        j.send(c.AnnulInterview(j.id), SLOT_DAY)
        row = listed(service, j)
        assert (row["stage"], row["status"]) == ("interview_annulled", "closed")


class TestWhenDecided:
    def test_the_award_date_is_the_protocol_date(self, service: CaseService) -> None:
        """Recorded on 12 June, the protocol of the Republican Commission is of 10 June."""
        j = Journey(service)
        j.to(Stage.AWARDED)
        row = listed(service, j)
        assert (row["stage"], row["status"]) == ("awarded", "scholar")
        assert (row["awarded_on"], row["decided_on"]) == ("2023-06-10", "2023-06-10")
        assert row["last_event_on"] == ON[Stage.AWARDED].isoformat()

    def test_the_contract_deadline_is_90_days_after_the_protocol(
        self, service: CaseService
    ) -> None:
        """000 lines 36-45; 001 line 445: contracts within 90 calendar days of the award."""
        j = Journey(service)
        j.to(Stage.AWARDED)
        assert listed(service, j)["contract_deadline"] == DAY_90.isoformat() == "2023-09-08"

    def test_a_refusal_is_decided_but_not_awarded(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEWED)
        j.send(c.Refuse(j.id, "RK-2023/8", PROTOCOL_DATE), date(2023, 6, 12), role=Role.COMMISSION)
        row = listed(service, j)
        assert (row["stage"], row["status"], row["decided_on"]) == (
            "refused",
            "closed",
            "2023-06-10",
        )
        assert row.get("awarded_on") is None
        assert row.get("contract_deadline") is None


class TestAfterAward:
    def test_signed_contracts_are_listed_with_their_date(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.CONTRACTED)
        row = listed(service, j)
        assert (row["stage"], row["status"]) == ("contracted", "scholar")
        assert row["contracts_signed_on"] == ON[Stage.CONTRACTED].isoformat()

    def test_a_revoked_scholar_is_closed_with_the_revocation_date(
        self, service: CaseService
    ) -> None:
        """000 lines 43-45: no contracts in time, the status is lost."""
        j = Journey(service)
        j.to(Stage.AWARDED)
        j.revoke_for_the_missed_deadline(DAY_91)
        row = listed(service, j)
        assert (row["stage"], row["status"], row["revoked_on"]) == (
            "revoked",
            "closed",
            DAY_91.isoformat(),
        )
        assert row["contract_deadline"] == DAY_90.isoformat()
        assert row.get("contracts_signed_on") is None

    def test_a_withdrawn_case_is_closed_with_the_withdrawal_date(
        self, service: CaseService
    ) -> None:
        j = Journey(service)
        j.to(Stage.ELIGIBLE)
        j.withdraw(date(2023, 4, 28))
        row = listed(service, j)
        assert (row["stage"], row["status"], row["withdrawn_on"]) == (
            "withdrawn",
            "closed",
            "2023-04-28",
        )

    def test_a_language_course_keeps_the_scholar_status(self, service: CaseService) -> None:
        j = Journey(service, b.submission(background=b.background(certificates=(b.ielts("5.5"),))))
        j.to(Stage.CONTRACTED)
        j.send(c.AssignLanguageCourse(j.id), date(2023, 7, 20))
        row = listed(service, j)
        assert (row["stage"], row["status"]) == ("language_course", "scholar")

    def test_departure_and_return_are_listed(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.RETURNED)
        row = listed(service, j)
        assert (row["stage"], row["status"]) == ("returned", "scholar")
        assert (row["departed_on"], row["returned_on"]) == (
            ON[Stage.STUDYING].isoformat(),
            ON[Stage.RETURNED].isoformat(),
        )

    def test_the_end_of_the_work_off_term_is_listed(self, service: CaseService) -> None:
        """001 line 277: a rural master's works off at least 3 years."""
        j = Journey(service)
        j.to(Stage.WORKING_OFF)
        row = listed(service, j)
        assert (row["stage"], row["status"], row["work_off_ends_on"]) == (
            "working_off",
            "scholar",
            "2027-09-01",
        )

    def test_a_completed_work_off_closes_the_case(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.WORK_OFF_COMPLETED)
        row = listed(service, j)
        assert (row["stage"], row["status"]) == ("work_off_completed", "closed")


class TestBookkeeping:
    def test_position_and_version_are_those_of_the_last_event(self, service: CaseService) -> None:
        first, second = Journey(service), Journey(service)
        first.to(Stage.TESTED)
        second.to(Stage.ELIGIBLE)
        first.send(c.BookInterview(first.id, b.slot(SLOT_DAY)), date(2023, 5, 6))
        log = logged(service)
        rows = project(CaseListProjection(), service)
        for j in (first, second):
            position, event = [(p, e) for p, e in log if e.originator_id == j.id][-1]
            row = row_of(rows, CASE_LIST, j.id)
            assert (row["position"], row["version"]) == (position, event.originator_version)
        assert row_of(rows, CASE_LIST, first.id)["position"] == log[-1][0]

    def test_the_last_business_date_is_the_last_events(self, service: CaseService) -> None:
        j = Journey(service)
        j.to(Stage.INTERVIEW_BOOKED)
        assert listed(service, j)["last_event_on"] == ON[Stage.INTERVIEW_BOOKED].isoformat()

    def test_stage_and_status_follow_the_case_after_every_event(self, service: CaseService) -> None:
        """Every event type (tests/support/all_events.py): after each event, the row shows the
        stage and status of the case at that event's version."""
        record_every_event_type(service)
        for _, event, rows in step_by_step(CaseListProjection(), service):
            case = service.get_case(event.originator_id, version=event.originator_version)
            row = row_of(rows, CASE_LIST, event.originator_id)
            assert (row["stage"], row["status"], row["version"]) == (
                case.stage.value,
                case.stage.status.value,
                case.version,
            ), type(event).__name__

    def test_every_case_of_the_log_has_one_row_with_a_coarse_status(
        self, service: CaseService
    ) -> None:
        ids = record_every_event_type(service)
        rows = project(CaseListProjection(), service)
        submitted = [str(e.originator_id) for _, e in logged(service) if isinstance(e, Submitted)]
        assert sorted(r["application_id"] for r in all_rows(rows, CASE_LIST)) == sorted(submitted)
        assert len(submitted) == len(ids)
        assert {r["status"] for r in all_rows(rows, CASE_LIST)} <= {s.value for s in CaseStatus}

    def test_every_value_the_fold_writes_has_a_declared_column(self, service: CaseService) -> None:
        """What the plain fold keeps must also reach the database, which stores declared
        columns only (the position among them)."""
        record_every_event_type(service)
        rows = project(CaseListProjection(service.sealer), service)
        assert "position" in CASE_LIST.column_names
        for row in all_rows(rows, CASE_LIST):
            assert set(row) <= set(CASE_LIST.column_names), set(row) - set(CASE_LIST.column_names)
        for row in all_rows(rows, CASE_PII):
            assert set(row) == set(CASE_PII.column_names)


class TestPackageAndRoute:
    def test_the_documents_missing_at_the_last_check_are_listed(self, service: CaseService) -> None:
        """001 "НЕОБХОДИМЫЙ ПАКЕТ ДОКУМЕНТОВ": the rural package includes the foreign-language
        certificate; a package without it lists it as missing until it is presented."""
        documents = tuple(d for d in Document if d is not Document.LANGUAGE_CERTIFICATE)
        j = Journey(service, b.submission(background=b.background(documents=documents)))
        j.to(Stage.ELIGIBLE)
        assert listed(service, j)["missing_documents"] == "language_certificate"
        j.send(c.PresentDocuments(j.id, (Document.LANGUAGE_CERTIFICATE,)), date(2023, 4, 28))
        assert listed(service, j)["missing_documents"] == ""

    def test_nothing_is_listed_as_missing_before_the_package_is_checked(
        self, service: CaseService
    ) -> None:
        j = Journey(service)
        j.to(Stage.SUBMITTED)
        assert listed(service, j).get("missing_documents") is None

    def test_the_language_route_decided_with_eligibility_is_listed(
        self, service: CaseService
    ) -> None:
        """001 table: IELTS 7.0 is above the third threshold (6.5): straight to study."""
        j = Journey(service)
        j.to(Stage.ELIGIBLE)
        assert listed(service, j)["course_route"] == "straight_to_study"

    def test_the_listed_package_and_route_are_the_cases_own(self, service: CaseService) -> None:
        """Every event type recorded: the row's missing documents and route are those the
        case itself holds after its events."""
        for case_id in record_every_event_type(service):
            rows = project(CaseListProjection(), service)
            row = row_of(rows, CASE_LIST, case_id)
            case = service.get_case(case_id)
            missing = case.missing_documents
            assert row.get("missing_documents") == (
                None if missing is None else ",".join(d.value for d in missing)
            )
            assert row.get("course_route") == (None if case.route is None else case.route.value)
