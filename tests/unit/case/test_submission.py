"""Submitting an application through eGov (000 and 001 step 3)."""

from __future__ import annotations

from datetime import date

import pytest

from domain import commands as c
from domain.case.meta import Role
from domain.case.stage import CaseStatus, Stage
from domain.errors import InvalidInputError
from domain.iin import InvalidIinError
from domain.qualifications import KazTest
from infra.case_store import CaseService
from tests.support import builders as b
from tests.support.journey import Journey, key


def field_rules(error: InvalidInputError) -> set[tuple[str, str]]:
    return {(e.field, e.rule) for e in error.errors}


class TestWhenSubmitted:
    def test_the_case_starts_in_stage_submitted_and_status_in_selection(
        self, service: CaseService
    ) -> None:
        case_id = Journey(service).to(Stage.SUBMITTED)
        case = service.get_case(case_id)
        assert case.stage is Stage.SUBMITTED
        assert case.stage.status is CaseStatus.IN_SELECTION

    def test_an_applicant_code_is_assigned_that_does_not_identify_the_applicant(
        self, service: CaseService
    ) -> None:
        """001 "Шифрование претендента путем присвоения номера"."""
        case = service.get_case(Journey(service).to(Stage.SUBMITTED))
        assert case.applicant_code.startswith("BA-")
        assert case.applicant is not None
        for part in (case.applicant.iin, *case.applicant.full_name.split()):
            assert part.upper() not in case.applicant_code

    def test_the_intake_window_is_recorded(self, service: CaseService) -> None:
        case = service.get_case(Journey(service).to(Stage.SUBMITTED))
        assert (case.campaign_year, case.intake_window) == (2023, 2)

    def test_each_event_records_who_acted_in_which_role_and_the_business_date(
        self, service: CaseService
    ) -> None:
        case_id = Journey(service).to(Stage.SUBMITTED)
        (event,) = service.events.get(case_id)
        meta = event.meta  # type: ignore[attr-defined]
        assert (meta.actor_id, meta.actor_role, meta.occurred_on) == (
            "egov",
            Role.APPLICANT,
            date(2023, 4, 20),
        )
        assert meta.correlation_id
        assert meta.causation_id


class TestSubmissionRefused:
    def test_a_submission_dated_outside_any_intake_window_is_refused(
        self, service: CaseService
    ) -> None:
        """001 lines 40-53: documents are accepted only inside the four windows."""
        ctx = b.context(key(), on=date(2023, 5, 15), role=Role.APPLICANT)
        with pytest.raises(InvalidInputError) as e:
            service.handle(b.submission(), ctx)
        assert field_rules(e.value) == {("occurredOn", "submission_within_intake_window")}
        assert service.recorder.max_notification_id() in (None, 0)

    def test_the_last_day_of_a_window_is_accepted(self, service: CaseService) -> None:
        ctx = b.context(key(), on=date(2023, 9, 15), role=Role.APPLICANT)
        assert service.handle(b.submission(), ctx).version == 1

    def test_an_iin_with_a_wrong_check_digit_is_refused_naming_the_field(
        self, service: CaseService
    ) -> None:
        good = b.applicant()
        bad = good.iin[:11] + str((int(good.iin[11]) + 1) % 10)
        with pytest.raises(InvalidInputError) as e:
            service.handle(
                b.submission(applicant=b.applicant(iin=bad)), b.context(key(), role=Role.APPLICANT)
            )
        assert ("applicant.iin", "iin_check_digit") in field_rules(e.value)

    def test_a_birth_date_that_contradicts_the_iin_is_refused(self, service: CaseService) -> None:
        applicant = b.applicant()
        wrong = b.applicant(iin=applicant.iin, birth_date=date(1990, 1, 1))
        with pytest.raises(InvalidInputError) as e:
            service.handle(b.submission(applicant=wrong), b.context(key(), role=Role.APPLICANT))
        assert ("applicant.birthDate", "iin_birth_date") in field_rules(e.value)

    def test_every_bad_field_is_reported_at_once_and_nothing_is_stored(
        self, service: CaseService
    ) -> None:
        bad = b.submission(
            applicant=b.applicant(full_name="", email="not-an-email"),
            plan=b.plan(country="Britain"),
            background=b.background(kaztest=KazTest(151)),
        )
        with pytest.raises(InvalidInputError) as e:
            service.handle(bad, b.context(key(), role=Role.APPLICANT))
        assert field_rules(e.value) >= {
            ("applicant.fullName", "required"),
            ("applicant.email", "email_format"),
            ("plan.country", "iso_country_code"),
            ("background.kaztest.correctAnswers", "range"),
        }
        assert service.recorder.max_notification_id() in (None, 0)

    def test_a_business_date_in_the_future_is_refused(self, service: CaseService) -> None:
        far = service.clock.today().replace(year=service.clock.today().year + 1)
        with pytest.raises(InvalidInputError) as e:
            service.handle(b.submission(), b.context(key(), on=far, role=Role.APPLICANT))
        assert ("occurredOn", "business_date_not_in_future") in field_rules(e.value)


def test_synthetic_iins_are_valid() -> None:
    from domain.iin import validate_iin

    try:
        validate_iin(b.synthetic_iin())
    except InvalidIinError:  # pragma: no cover - the assertion below explains
        pytest.fail("builders make invalid IINs")


def test_a_command_on_an_unknown_case_is_refused(service: CaseService) -> None:
    from uuid import uuid4

    from domain.errors import ApplicationNotFoundError

    with pytest.raises(ApplicationNotFoundError):
        service.handle(c.AssessEligibility(uuid4()), b.context(key()))
