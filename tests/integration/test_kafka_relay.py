"""The relay publishes the event store's log to Kafka without losing anything (issue 5),
against a real Kafka-protocol broker (tansu)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import jsonschema
import pytest

from domain.case.stage import Stage
from domain.clock import FixedClock
from infra.case_store import CaseService
from infra.container import build_relay, build_service
from infra.relay import schemas
from infra.relay.messages import SCHEMA_VERSIONS
from infra.relay.relay import PAGES_IN_FLIGHT, BrokerError
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support import builders as b
from tests.support.all_events import record_every_event_type
from tests.support.broker import Tansu
from tests.support.journey import Journey
from tests.support.kafka import (
    Received,
    first_seen_versions,
    read_topic,
    relay_status,
    stored_versions,
    with_broker,
)

Services = Callable[[Settings], CaseService]
# How long the broker stays down in the restart test (60 for the minute)
BROKER_DOWN_SECONDS = float(os.environ.get("BROKER_DOWN_SECONDS", "3"))

CE_HEADERS = ("ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "ce_subject")


def validate(record: Received) -> None:
    """The record against the committed JSON Schema of its ``ce_type``."""
    schema = schemas.committed(record.headers["ce_type"].decode())
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(record.value)


def publish_all(settings: Settings) -> int:
    relay = build_relay(settings)
    try:
        return relay.run_until_head()
    finally:
        relay.close()


@pytest.fixture
def services() -> Iterator[Callable[[Settings], CaseService]]:
    """Command services for a test, closed (their connections returned) at its end."""
    made: list[CaseService] = []

    def make(settings: Settings) -> CaseService:
        made.append(build_service(settings, clock=FixedClock(FAR_FUTURE)))
        return made[-1]

    yield make
    for service in made:
        service.close()


def test_every_event_of_a_full_case_arrives_in_order_with_headers_and_schema(
    fresh_store: Settings, broker: Tansu, services: Services
) -> None:
    """On a store of its own: the campaign's quota ledger is opened by the first award in a
    database, and only a ledger opened here records an award beyond a category's share."""
    settings = with_broker(fresh_store, broker.bootstrap)
    service = services(settings)
    record_every_event_type(service)
    stored = stored_versions(service)
    total = sum(len(v) for v in stored.values())

    assert publish_all(settings) == total
    records = read_topic(broker.bootstrap, settings.kafka.topic, at_least=total)

    assert len(records) == total
    assert first_seen_versions(records) == stored
    seen_types = set()
    for r in records:
        case, version = r.application_id, r.version
        assert r.key == case.encode()
        assert all(name in r.headers for name in CE_HEADERS)
        assert r.headers["ce_specversion"] == b"1.0"
        assert r.headers["ce_id"] == f"{case}:{version}".encode()
        assert r.headers["ce_subject"] == case.encode()
        assert r.headers["ce_source"] == settings.kafka.source.encode()
        assert r.headers["content-type"] == b"application/json"
        ce_type = r.headers["ce_type"].decode()
        prefix = "kz.bolashak.quota." if "ledger_id" in r.value else "kz.bolashak.application."
        assert ce_type.startswith(prefix)
        kind = ce_type.removeprefix(prefix).rsplit(".v", 1)[0]
        assert ce_type.endswith(f".v{SCHEMA_VERSIONS.get(kind, 1)}")  # the current version
        assert datetime.fromisoformat(r.headers["ce_time"].decode()).tzinfo is not None
        assert r.headers["ce_time"].decode() == r.value["recorded_at"]
        validate(r)
        seen_types.add(ce_type)
    # one partition per case keeps its order
    for case in stored:
        assert len({r.partition for r in records if r.application_id == case}) == 1
    assert len(seen_types) == len(schemas.event_classes())


def test_public_topic_carries_the_applicant_code_not_personal_data(
    postgres_settings: Settings, broker: Tansu, services: Services
) -> None:
    settings = with_broker(postgres_settings, broker.bootstrap)
    person = b.applicant(full_name="Nurlanova Dana Serikovna", email="dana.n@example.kz")
    journey = Journey(services(settings), b.submission(applicant=person))
    journey.to(Stage.SUBMITTED)
    publish_all(settings)

    records = read_topic(broker.bootstrap, settings.kafka.topic, at_least=1)
    mine = [r for r in records if r.application_id == str(journey.id)]
    assert mine, "the submission was not published"
    for r in mine:
        for secret in (person.full_name, person.iin, person.email, person.phone):
            assert secret.encode() not in r.raw_value
        assert person.birth_date.isoformat().encode() not in r.raw_value
    submitted = mine[0].value
    assert submitted["event_type"] == "Submitted"
    assert submitted["data"]["applicant_code"].startswith("BA-")
    assert "applicant" not in submitted["data"]


def test_restricted_topic_carries_personal_data_only_when_configured(
    postgres_settings: Settings, broker: Tansu, services: Services
) -> None:
    settings = with_broker(postgres_settings, broker.bootstrap, pii_topic=True)
    person = b.applicant(full_name="Abenova Saule")
    journey = Journey(services(settings), b.submission(applicant=person))
    journey.to(Stage.SUBMITTED)
    publish_all(settings)

    restricted = read_topic(broker.bootstrap, settings.kafka.pii_topic, at_least=1)
    mine = [r for r in restricted if r.application_id == str(journey.id)]
    assert len(mine) == 1
    assert mine[0].value["applicant"]["iin"] == person.iin
    assert mine[0].value["applicant"]["full_name"] == "Abenova Saule"
    assert mine[0].headers["ce_type"] == b"kz.bolashak.application.personal_data.v2"
    assert mine[0].headers["ce_id"] == f"{journey.id}:1".encode()
    validate(mine[0])

    plain = with_broker(postgres_settings, broker.bootstrap)
    publish_all(plain)
    assert read_topic(broker.bootstrap, f"{plain.kafka.topic}-pii", at_least=1, timeout=2) == []


class FailingFuture:
    is_done = True

    def __init__(self, error: Exception | None) -> None:
        self.exception = error

    def failed(self) -> bool:
        return self.exception is not None


class QuietProducer:
    """A stand-in producer's flush and close: nothing is buffered, nothing to close."""

    def flush(self, timeout: float | None = None) -> None:
        pass

    def close(self, timeout: float | None = None) -> None:
        pass


class FlakyProducer(QuietProducer):
    """Acknowledges the first ``good`` messages, fails the rest (a broker that went away)."""

    made = 0

    def __init__(self, good: int, sent: list[bytes]) -> None:
        self.good = good
        self.sent = sent
        FlakyProducer.made += 1

    def send(self, *_: Any, value: bytes, **__: Any) -> FailingFuture:
        ok = len(self.sent) < self.good
        if ok:
            self.sent.append(value)
        return FailingFuture(None if ok else TimeoutError("expired"))


def test_position_is_recorded_only_after_the_broker_acknowledged(
    postgres_settings: Settings, broker: Tansu, services: Services
) -> None:
    settings = with_broker(postgres_settings, broker.bootstrap)
    service = services(settings)
    Journey(service).to(Stage.AWARDED)
    sent: list[bytes] = []
    relay = build_relay(settings, producer_factory=lambda _kafka: FlakyProducer(3, sent))
    start = relay.status().position
    # positions of the log, not counts: ids after ``start`` need not be contiguous (a
    # transaction rolled back by an earlier test of the session consumed its ids)
    ahead = [n.id for n in relay.db.read_log(start, 6)]
    made = FlakyProducer.made

    with pytest.raises(BrokerError, match="expired"):
        relay.run_once()
    assert relay.status().position == ahead[2]  # the acknowledged prefix only
    assert relay.status().last_error == ""  # recorded by the loop, not by one page

    sent.clear()
    with pytest.raises(BrokerError):
        relay.run_once()
    assert FlakyProducer.made == made + 2  # a failed producer is never reused
    assert relay.status().position == ahead[5]
    relay.close()


class SettledFuture:
    """Acknowledged; notes in ``log`` when the relay settles it (looks at its outcome)."""

    is_done = True
    exception = None

    def __init__(self, log: list[str]) -> None:
        self.log = log

    def failed(self) -> bool:
        self.log.append("settle")
        return False


class LoggingProducer(QuietProducer):
    """Acknowledges everything; ``log`` holds each send and each settle in order."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    def send(self, *_: Any, **__: Any) -> SettledFuture:
        self.log.append("send")
        return SettledFuture(self.log)


def test_following_relay_catches_up_a_backlog_with_pages_in_flight(
    postgres_settings: Settings, broker: Tansu, services: Services
) -> None:
    """The running relay (``bolashak relay``) publishes a backlog as ``run_until_head``
    does, which the relay benchmark measures: the next pages are read and sent while the
    broker takes the first, not one page sent and settled at a time."""
    settings = with_broker(postgres_settings, broker.bootstrap)
    Journey(services(settings)).to(Stage.AWARDED)  # more than three pages of two events
    log: list[str] = []
    relay = build_relay(settings, page_size=2, producer_factory=lambda _kafka: LoggingProducer(log))
    head = relay.status().head
    stop = threading.Event()
    follower = threading.Thread(target=relay.follow, args=(stop, 0.1, 60.0), daemon=True)
    follower.start()
    try:
        wait_until(lambda: relay.status().position == head, 30)
    finally:
        stop.set()
        follower.join(30)
    sent_before_first_settle = log.index("settle")
    assert sent_before_first_settle == PAGES_IN_FLIGHT * 2  # three pages of two events


def test_broker_stopped_and_restarted_loses_nothing_and_the_relay_catches_up(
    postgres_settings: Settings, durable_broker: Tansu, services: Services
) -> None:
    settings = with_broker(postgres_settings, durable_broker.bootstrap)
    service = services(settings)
    relay = build_relay(settings)
    stop = threading.Event()
    follower = threading.Thread(target=relay.follow, args=(stop, 0.1, 1.0), daemon=True)
    follower.start()
    try:
        before = [Journey(service) for _ in range(3)]
        for j in before:
            j.to(Stage.INTERVIEWED)
        wait_until(lambda: relay_status(settings).lag == 0, 30)

        durable_broker.stop()
        stopped = time.monotonic()
        during = [Journey(service) for _ in range(3)]
        for j in during:
            j.to(Stage.AWARDED)
        wait_until(lambda: relay_status(settings).last_error != "", 30)
        assert relay_status(settings).lag > 0  # waiting, and it shows
        while time.monotonic() - stopped < BROKER_DOWN_SECONDS:  # more while it stays down
            Journey(service).to(Stage.SUBMITTED)
            time.sleep(1.0)
        durable_broker.start()
        wait_until(lambda: relay_status(settings).lag == 0, 60)
    finally:
        stop.set()
        follower.join(30)

    stored = stored_versions(service)
    total = sum(len(v) for v in stored.values())
    records = read_topic(durable_broker.bootstrap, settings.kafka.topic, at_least=total)
    assert first_seen_versions(records) == stored


def test_broker_that_lost_its_data_on_restart_gets_a_new_producer_and_new_events(
    postgres_settings: Settings, broker: Tansu, services: Services
) -> None:
    """With memory storage a restart forgets the topic and the idempotent producer id:
    kafka-python then fails every send; the relay builds a new producer and goes on."""
    settings = with_broker(postgres_settings, broker.bootstrap)
    service = services(settings)
    Journey(service).to(Stage.TESTED)
    relay = build_relay(settings)
    relay.run_until_head()

    broker.stop()
    broker.start()
    later = Journey(service)
    later.to(Stage.TESTED)
    deadline = time.monotonic() + 60
    failures: list[str] = []
    while relay_status(settings).lag > 0 and time.monotonic() < deadline:
        try:
            relay.run_until_head()
        except BrokerError as e:
            failures.append(str(e))
            time.sleep(0.5)
    relay.close()
    assert failures, "the restarted broker should have refused the old producer"

    records = read_topic(broker.bootstrap, settings.kafka.topic, at_least=3)
    assert first_seen_versions(records)[str(later.id)] == stored_versions(service)[str(later.id)]


def wait_until(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout}s")
        time.sleep(0.2)


def test_without_its_restricted_topic_the_relay_opens_no_identity_and_sends_the_same(
    postgres_settings: Settings, services: Services
) -> None:
    """Identities go to the restricted topic only: a relay without one withholds them when
    decoding (no data key is read) and its public messages are exactly those it sends
    with the identities opened."""
    assert postgres_settings.kafka.pii_topic == ""
    Journey(services(postgres_settings)).to(Stage.ELIGIBLE)
    relay = build_relay(postgres_settings)
    try:
        notes = relay.db.read_log(0, 1_000_000)
        withheld, _ = relay._build(notes)
        sealer = relay.reader.mapper.sealer  # type: ignore[attr-defined]
        assert not any(sealer._keys.values())  # None: an erasure seen, no key read
        assert sealer._wrapped == {}
        assert sealer._loaded_upto == 0  # the key table was never read
        relay.reader.mapper.opens_personal_data = True  # type: ignore[attr-defined]
        opened, _ = relay._build(notes)
        assert any(sealer._keys.values())  # the control: opening identities reads keys
    finally:
        relay.close()
    assert [(p, [m.value for m in ms]) for p, ms in withheld] == [
        (p, [m.value for m in ms]) for p, ms in opened
    ]
    assert any(b'"Submitted"' in m.value for _, ms in withheld for m in ms)
