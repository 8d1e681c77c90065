"""What the fuzzers found, one test per rule the finding broke (now kept)."""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal
from uuid import uuid4

import graphql
import pytest

from api.document_size import expanded_field_count
from domain import commands as c
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.errors import InvalidInputError
from domain.language_tests import LanguageTest
from domain.qualifications import Gpa, GradeScale, LanguageCertificate
from domain.validation import validate_command
from infra.audit.replay import AsOf, from_store
from infra.case_store import CaseService
from tests.fuzz.strategies import fragment_bomb
from tests.support import builders as b
from tests.support.journey import Journey

pytestmark = pytest.mark.unit
NAN = Decimal("NaN")


def refused(service: CaseService, command: object) -> set[tuple[str, str]]:
    """The (field, rule) pairs a submission is refused with; nothing may be stored."""
    assert isinstance(command, c.SubmitApplication)
    with pytest.raises(InvalidInputError) as e:
        service.handle(command, b.context("finding", role=Role.APPLICANT))
    assert service.recorder.max_notification_id() in (None, 0)
    return {(x.field, x.rule) for x in e.value.errors}


@pytest.mark.parametrize("score", [NAN, Decimal("Infinity"), Decimal("-Infinity")])
def test_language_test_scale_refuses_a_score_that_is_not_a_finite_number(
    service: CaseService, score: Decimal
) -> None:
    toefl = LanguageCertificate(LanguageTest.TOEFL_IBT, score)
    submission = b.submission(background=b.background(certificates=(toefl,)))
    assert refused(service, submission) == {
        ("background.certificates[0].score", "language_test_scale")
    }


def test_no_duplicates_tells_certificates_apart_even_when_a_score_is_a_signalling_nan(
    service: CaseService,
) -> None:
    """The duplicate check (issue 19) hashed each certificate: ``sNaN`` cannot be hashed,
    and the submission raised TypeError instead of naming the score's rule."""
    toefl = LanguageCertificate(LanguageTest.TOEFL_IBT, Decimal("sNaN"))
    ielts = b.ielts("7.0")
    submission = b.submission(background=b.background(certificates=(toefl, ielts)))
    assert refused(service, submission) == {
        ("background.certificates[0].score", "language_test_scale")
    }


def test_range_refuses_a_final_interview_score_that_is_not_a_number() -> None:
    with pytest.raises(InvalidInputError) as e:
        validate_command(c.CompleteInterview(uuid4(), NAN))
    assert [(x.field, x.rule) for x in e.value.errors] == [("finalScore", "range")]


@pytest.mark.parametrize("scale", [GradeScale.PERCENT, GradeScale.FOUR, GradeScale.OTHER])
def test_gpa_scale_refuses_a_gpa_that_is_not_a_finite_number(
    service: CaseService, scale: GradeScale
) -> None:
    submission = b.submission(background=b.background(gpa=Gpa("NaN", scale)))
    assert refused(service, submission) == {("background.gpa.value", "gpa_scale")}


def test_max_length_of_a_gpa_as_written() -> None:
    with pytest.raises(InvalidInputError) as e:
        validate_command(b.submission(background=b.background(gpa=Gpa("3" * 21, GradeScale.OTHER))))
    assert ("background.gpa.value", "max_length") in {(x.field, x.rule) for x in e.value.errors}


@pytest.mark.parametrize("equivalent", [NAN, Decimal("-0.5"), Decimal("4.01")])
def test_range_of_the_ministrys_gpa_equivalent(equivalent: Decimal) -> None:
    with pytest.raises(InvalidInputError) as e:
        validate_command(c.AssessEligibility(uuid4(), equivalent))
    assert [(x.field, x.rule) for x in e.value.errors] == [("gpaEquivalent", "range")]


@pytest.mark.parametrize("text", ["Aigerim\x00", "\ud800", "Ai\x1bgerim", "\x7f"])
def test_no_control_characters_in_text(service: CaseService, text: str) -> None:
    submission = b.submission(applicant=b.applicant(full_name=text))
    assert refused(service, submission) == {("applicant.fullName", "no_control_characters")}


def test_an_e_mail_with_a_control_character_is_not_an_e_mail(service: CaseService) -> None:
    submission = b.submission(applicant=b.applicant(email="a\x00b@example.kz"))
    assert refused(service, submission) == {("applicant.email", "email_format")}


def test_born_before_submission(service: CaseService) -> None:
    born = date(2024, 1, 2)  # an IIN of the 2000s may encode a date after the submission
    submission = b.submission(applicant=b.applicant(birth_date=born))
    assert refused(service, submission) == {("applicant.birthDate", "born_before_submission")}


def test_max_fields_counts_a_fragment_bomb_without_spreading_it() -> None:
    """Forty fragments, each spreading the one before twice: 2**39 fields, counted at once
    (the depth and alias limits spread them one by one, and hung the server)."""
    assert expanded_field_count(graphql.parse(fragment_bomb(5)), 10**6) == 16
    assert expanded_field_count(graphql.parse(fragment_bomb(40)), 5_001) == 5_001


def test_max_fields_counts_a_fragment_cycle_once() -> None:
    cycle = "query { ...A b { c } } fragment A on Query { ...B x } fragment B on Query { ...A y }"
    assert expanded_field_count(graphql.parse(cycle), 100) == 4


def test_a_recording_time_without_a_zone_is_utc(service: CaseService) -> None:
    """``caseHistory(asOfTime:)`` with a time of no zone compared it with the store's
    timestamps (which have one) and failed inside."""
    case_id = Journey(service).to(Stage.ELIGIBLE)
    events = from_store(service, case_id).events
    first = events[0].timestamp
    naive = first.astimezone(UTC).replace(tzinfo=None)
    assert AsOf(recorded_at=naive).cut(events) == AsOf(recorded_at=first).cut(events)
    assert len(AsOf(recorded_at=naive).cut(events)) == 1
