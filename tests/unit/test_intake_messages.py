"""The inbound eGov message (``infra/intake/message.py``): both modes of the CloudEvents
Kafka binding read into ``submitApplication``, the id as the idempotency key and the time,
in Astana, as the business date; what cannot be read is named without quoting a value;
the published JSON Schema matches the command and accepts what the worker reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import jsonschema
import orjson
import pytest

from domain.case.meta import Role
from infra.intake import schema
from infra.intake.message import MalformedMessageError, Submission, read_submission
from tests.support.intake import Message, binary, data_of, package, structured

TODAY = date(2023, 4, 25)


@dataclass
class Record:
    value: bytes | None
    headers: list[tuple[str, bytes]]
    key: bytes | None = None
    topic: str = "bolashak.intake"
    partition: int = 0
    offset: int = 0


def read(message: Message) -> Submission:
    return read_submission(Record(message.value, message.headers, message.key), TODAY)


@pytest.mark.parametrize("mode", ["structured", "binary"])
def test_either_mode_reads_into_the_submission_with_its_id_as_the_key(mode: str) -> None:
    sent = package(1)
    make = structured if mode == "structured" else binary
    found = read(make("egov-77", data_of(sent), on=date(2023, 4, 20)))
    assert found.command == sent
    ctx = found.context
    assert (ctx.idempotency_key, ctx.correlation_id, ctx.actor_id) == ("egov-77", "egov-77", "egov")
    assert (ctx.role, ctx.occurred_on) == (Role.APPLICANT, date(2023, 4, 20))


def test_the_business_date_is_the_day_in_astana_and_today_without_a_time() -> None:
    event = orjson.loads(structured("e-1", data_of(package(2))).value)
    late = {**event, "time": "2023-04-20T20:30:00Z"}  # 01:30 on the 21st in Astana
    assert read(Message(orjson.dumps(late), [])).context.occurred_on == date(2023, 4, 21)
    untimed = {k: v for k, v in event.items() if k != "time"}
    assert read(Message(orjson.dumps(untimed), [])).context.occurred_on == TODAY


def test_camel_case_data_is_read_as_the_api_reads_it() -> None:
    data = data_of(package(3))
    data["applicant"]["fullName"] = data["applicant"].pop("full_name")
    assert read(structured("e-2", data)).command == package(3)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"\x00garbage", "value: not JSON"),
        (b"[1, 2]", "value: not a CloudEvent (a JSON object)"),
        (b'{"specversion": "1.0", "id": "x", "source": "s"}', "type: missing"),
        (
            b'{"specversion": "1.0", "id": "x", "source": "s", "type": "other.v1", "data": {}}',
            "type: expected kz.bolashak.intake.application_submitted.v1",
        ),
    ],
)
def test_a_message_that_is_not_a_submission_is_named_without_its_values(
    value: bytes, reason: str
) -> None:
    with pytest.raises(MalformedMessageError) as refused:
        read(Message(value, []))
    assert refused.value.reason == reason


def test_invalid_data_names_the_fields_and_rules_not_the_values() -> None:
    data = data_of(package(4))
    data["applicant"]["birth_date"] = "20.04.1990"
    with pytest.raises(MalformedMessageError) as refused:
        read(structured("e-3", data))
    assert refused.value.reason == "invalid: data.applicant.birthDate [type]"
    assert refused.value.message_id == "e-3"
    assert "1990" not in refused.value.reason


def test_the_published_schema_matches_the_command_and_accepts_what_the_worker_reads() -> None:
    assert not schema.differs(), "bolashak intake schema --write"
    validator = jsonschema.Draft202012Validator(
        schema.committed(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(orjson.loads(structured("e-4", data_of(package(5))).value))
    bad = orjson.loads(structured("e-5", data_of(package(6))).value)
    del bad["data"]["plan"]
    assert list(validator.iter_errors(bad))
