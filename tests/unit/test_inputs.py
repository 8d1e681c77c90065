"""Commands from plain data: every problem reported with its field path."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from domain import commands as c
from domain.errors import InvalidInputError
from domain.language_tests import LanguageTest
from domain.qualifications import LanguageCertificate
from infra.inputs import build

CASE = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"


def problems(cls: type, data: object) -> set[tuple[str, str]]:
    with pytest.raises(InvalidInputError) as e:
        build(cls, data)
    return {(x.field, x.rule) for x in e.value.errors}


def test_camel_case_fields_dates_and_decimals_are_converted() -> None:
    award = build(
        c.Award, {"applicationId": CASE, "protocolNumber": "RK-1", "protocolDate": "2023-06-10"}
    )
    assert award == c.Award(UUID(CASE), "RK-1", date(2023, 6, 10))
    final = build(c.CompleteInterview, {"applicationId": CASE, "finalScore": 4.5})
    assert final.final_score == Decimal("4.5")


def test_a_level_based_certificate_takes_its_level_name() -> None:
    goethe = build(LanguageCertificate, {"test": "GOETHE", "score": "B2"})
    assert goethe == LanguageCertificate(LanguageTest.GOETHE, Decimal(4))


def test_every_problem_is_named_by_its_path() -> None:
    assert problems(
        c.Award, {"applicationId": "nope", "protocolDate": "10.06.2023", "extra": 1}
    ) == {
        ("applicationId", "type"),
        ("protocolDate", "type"),
        ("protocolNumber", "required"),
        ("extra", "unknown_field"),
    }


def test_booleans_are_not_numbers_and_numbers_are_not_text() -> None:
    assert problems(
        c.RecordTesting, {"applicationId": CASE, "verbalScore": True, "numericalScore": "50"}
    ) == {("verbalScore", "type"), ("numericalScore", "type")}


def test_an_unknown_enum_value_lists_the_allowed_ones() -> None:
    with pytest.raises(InvalidInputError, match="must be one of contract_deadline_missed"):
        build(c.Revoke, {"applicationId": CASE, "revocation": "bored"})


def test_a_score_off_its_tests_scale_is_refused() -> None:
    assert problems(LanguageCertificate, {"test": "IELTS", "score": "9.5"}) == {
        ("score", "language_test_scale")
    }


def test_graphql_s_coerced_values_build_what_their_json_text_builds() -> None:
    """A mutation's input is built from graphql-core's coerced values (an enum as its
    member, a decimal, a date), without a round trip through text: the same command, and
    the same problems (a score off its test's scale named with the test as a member)."""
    bands = {"listening": "7.5", "reading": "6", "writing": "6.5", "speaking": "6"}
    as_text = {"test": "IELTS", "score": "6.5", "bands": bands}
    typed = {k: Decimal(v) for k, v in bands.items()}
    coerced = {"test": LanguageTest.IELTS, "score": "6.5", "bands": typed}
    assert build(LanguageCertificate, coerced) == build(LanguageCertificate, as_text)
    award = {"applicationId": CASE, "protocolNumber": "RK-1", "protocolDate": date(2023, 6, 10)}
    assert build(c.Award, award) == build(c.Award, award | {"protocolDate": "2023-06-10"})
    assert problems(LanguageCertificate, {"test": LanguageTest.IELTS, "score": "9.5"}) == {
        ("score", "language_test_scale")
    }


def test_a_default_left_out_is_held_by_the_instance_as_its_init_would() -> None:
    """msgspec leaves a default to the class attribute; the event codec reads vars()."""
    certificate = build(LanguageCertificate, {"test": "IELTS", "score": "6.5"})
    assert vars(certificate)["within_competition"] is False
    assert vars(certificate)["bands"] is None


def test_every_bad_entry_of_a_list_or_a_map_is_named() -> None:
    assert problems(
        c.EvaluateInterview,
        {"applicationId": CASE, "scores": {"a": "b", "c": 3, "d": True}, "recommend": 1},
    ) == {
        ("scores.a", "type"),
        ("scores.d", "type"),
        ("recommend", "type"),
        ("comment", "required"),
    }
    assert problems(c.PresentDocuments, {"applicationId": CASE, "documents": ["x", "y"]}) == {
        ("documents[0]", "type"),
        ("documents[1]", "type"),
    }


def test_a_local_date_and_time_may_leave_out_the_seconds() -> None:
    booked = build(c.BookInterview, {"application_id": CASE, "slotAt": "2023-05-10T10:00"})
    assert booked.slot_at.isoformat() == "2023-05-10T10:00:00"
