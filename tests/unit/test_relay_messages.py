"""The relay's messages: CloudEvents binary mode, a versioned schema per type, no personal
data on the public topic (issue 5)."""

from __future__ import annotations

from datetime import date

import jsonschema
import orjson
import pytest

from domain.case import events as ev
from domain.case.events import CaseEvent
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.quota.events import LedgerEvent
from infra.case_store import CaseService
from infra.relay import schemas
from infra.relay.messages import ce_type, message_kind, messages_for
from infra.settings import Database, Settings
from tests.support import builders as b
from tests.support.all_events import record_every_event_type
from tests.support.journey import Journey


@pytest.fixture
def awarded() -> CaseService:
    settings = Settings(database=Database.parse("memory:"))
    service = CaseService(
        settings.eventsourcing_env(create_table=True), clock=FixedClock(date(2024, 1, 1))
    )
    Journey(service).to(Stage.AWARDED)
    return service


def test_committed_schemas_match_the_events_fields() -> None:
    """Change an event and this fails: bump its version, write the file, keep the old one."""
    assert schemas.differences() == []


def test_every_message_of_every_event_type_fits_its_committed_schema() -> None:
    """The schemas msgspec derives validate what the relay publishes, public and personal."""
    settings = Settings(database=Database.parse("memory:"))
    service = CaseService(
        settings.eventsourcing_env(create_table=True), clock=FixedClock(date(2030, 1, 1))
    )
    record_every_event_type(service)
    seen = set()
    for n in service.recorder.select_notifications(start=1, limit=1000):
        event = service.mapper.to_domain_event(n)
        assert isinstance(event, CaseEvent | LedgerEvent)
        for message in messages_for(event, n.id, topic="pub", pii_topic="pii", source="/t"):
            kind = dict(message.headers)["ce_type"].decode()
            schema = schemas.committed(kind)
            validator = jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
            )
            validator.validate(orjson.loads(message.value))
            seen.add(kind)
    assert seen == set(schemas.generated())


def test_message_type_names_the_event_in_snake_case_with_its_version() -> None:
    assert ce_type(message_kind(ev.Awarded)) == "kz.bolashak.application.awarded.v1"
    assert message_kind(ev.EligibilityAssessed) == "eligibility_assessed"


def test_submission_message_carries_the_code_and_no_personal_data(awarded: CaseService) -> None:
    event = case_events(awarded)[0]
    [public] = messages_for(event, 1, topic="pub", pii_topic="", source="/test")
    value = orjson.loads(public.value)
    assert value["data"]["applicant_code"].startswith("BA-")
    assert b.applicant().iin.encode() not in public.value
    assert b.applicant().full_name.encode() not in public.value
    assert "applicant" not in value["data"]


def test_personal_data_goes_to_the_restricted_topic_when_configured(
    awarded: CaseService,
) -> None:
    event = case_events(awarded)[0]
    public, personal = messages_for(event, 1, topic="pub", pii_topic="restricted", source="/t")
    assert (public.topic, personal.topic) == ("pub", "restricted")
    assert b.applicant().iin.encode() in personal.value
    assert dict(personal.headers)["ce_type"] == b"kz.bolashak.application.personal_data.v2"
    assert personal.event_id == public.event_id
    assert orjson.loads(personal.value)["erased"] is False


def test_the_commitment_salt_is_in_no_message(awarded: CaseService) -> None:
    event = case_events(awarded)[0]
    assert isinstance(event, ev.Submitted)
    for message in messages_for(event, 1, topic="pub", pii_topic="restricted", source="/t"):
        assert event.applicant_salt.encode() not in message.value


def test_an_erasure_tells_the_restricted_topic_the_identity_is_erased(
    awarded: CaseService,
) -> None:
    journey = Journey.resume(awarded, case_events(awarded)[0].originator_id)
    journey.erase(date(2023, 6, 20))
    erasure = case_events(awarded)[-1]
    public, personal = messages_for(erasure, 9, topic="pub", pii_topic="restricted", source="/t")
    value = orjson.loads(personal.value)
    assert (value["erased"], value["applicant"]) == (True, None)
    assert orjson.loads(public.value)["event_type"] == "PersonalDataErased"


def test_later_events_have_no_personal_data_message(awarded: CaseService) -> None:
    events = case_events(awarded)
    for event in events[1:]:
        found = messages_for(event, 2, topic="pub", pii_topic="restricted", source="/t")
        assert [m.topic for m in found] == ["pub"]


def test_message_id_is_the_application_and_version_so_resends_keep_it(
    awarded: CaseService,
) -> None:
    event = case_events(awarded)[2]
    first = messages_for(event, 3, topic="pub", pii_topic="", source="/t")[0]
    again = messages_for(event, 3, topic="pub", pii_topic="", source="/t")[0]
    assert first.event_id == again.event_id == f"{event.originator_id}:3"
    assert first.key == str(event.originator_id).encode()
    assert first.value == again.value


def case_events(service: CaseService) -> list[CaseEvent]:
    """The one case's events, decoded as the relay decodes them (without the campaign's
    quota ledger's, beside them in the log)."""
    found = []
    for n in service.recorder.select_notifications(start=1, limit=100):
        event = service.mapper.to_domain_event(n)
        assert isinstance(event, CaseEvent | LedgerEvent)
        if isinstance(event, CaseEvent):
            found.append(event)
    return found


def test_the_producer_checksums_record_batches_in_c() -> None:
    """kafka-python's own pure-Python CRC-32C took about 8% of a relay run; the project
    installs its ``crc32c`` extra, and this fails if an install ever drops it."""
    from kafka.record import util

    assert util.crc32c_c is not None
    assert util.calc_crc32c.__defaults__ == (util.crc32c_c,)
