"""The eGov intake as an inbound stream (issue 23, part 3), against a real Kafka-protocol
broker (tansu): submissions from the portal («Портал электронного правительства», seed 001
line 527) as CloudEvents on the intake topic become cases through ``submitApplication``,
the message id as the idempotency key; a redelivery stores nothing new, a bad message goes
to the dead-letter topic and the consumer goes on, a crash between the command and the
offset commit loses nothing and duplicates nothing, and a burst of 1,000 arrives whole."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from domain.case.meta import Role
from domain.clock import FixedClock
from domain.service import application_id_for
from infra import worker_runs
from infra.case_store import CaseService
from infra.container import build_service
from infra.intake import dead_letters
from infra.intake.message import SUBMITTED_TYPE
from infra.intake.worker import new_intake_consumer
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support.api import api_for
from tests.support.broker import Tansu
from tests.support.intake import (
    Message,
    Workers,
    binary,
    consume,
    data_of,
    intake_workers,
    package,
    send,
    structured,
    with_intake,
)
from tests.support.intake import dead_letters as dead_letter_topic
from tests.support.kafka import stored_versions


@pytest.fixture
def workers() -> Iterator[Workers]:
    with intake_workers() as make:
        yield make


@pytest.fixture
def reader(store_settings: Settings) -> Iterator[CaseService]:
    service = build_service(store_settings, clock=FixedClock(FAR_FUTURE))
    yield service
    service.close()


def stored(reader: CaseService, ids: list[str]) -> dict[str, list[int]]:
    """Message id -> the versions its case has in the store (absent when none)."""
    versions = stored_versions(reader)
    found = {i: versions.get(str(application_id_for(i))) for i in ids}
    return {i: v for i, v in found.items() if v is not None}


def test_each_submission_is_stored_once_and_a_redelivered_message_stores_nothing_new(
    store_settings: Settings, broker: Tansu, workers: Workers, reader: CaseService
) -> None:
    settings = with_intake(store_settings, broker.bootstrap)
    ids = [f"egov-{settings.kafka.intake_group}-{n}" for n in range(4)]
    messages = [structured(ids[n], data_of(package(n))) for n in range(3)]
    messages.append(binary(ids[3], data_of(package(3))))  # the binary mode too
    messages.append(messages[1])  # the portal sent one twice
    send(settings.kafka, messages)

    worker = workers(settings)
    first = consume(worker)

    assert (first.submitted, first.replayed, first.dead_letters) == (4, 1, 0)
    round_ = worker_runs.last(worker.db, "intake")  # what its health check reads
    assert round_ is not None
    assert (round_.ok, round_.outcome) == (True, "submitted 4, replayed 1, dead letters 0")
    before = stored(reader, ids)
    assert sorted(before) == sorted(ids)
    assert all(versions[0] == 1 for versions in before.values())
    # every message again (a consumer group that never committed: a full redelivery)
    again = consume(workers(settings, group=f"{settings.kafka.intake_group}-again"))
    assert (again.submitted, again.replayed, again.dead_letters) == (0, 5, 0)
    assert stored(reader, ids) == before


def test_a_poison_message_goes_to_the_dead_letter_topic_and_the_consumer_goes_on(
    postgres_settings: Settings, broker: Tansu, workers: Workers
) -> None:
    settings = with_intake(postgres_settings, broker.bootstrap)
    run = settings.kafka.intake_group
    good = [f"egov-{run}-good-{n}" for n in range(3)]
    no_plan = {k: v for k, v in data_of(package(11)).items() if k != "plan"}
    between_windows = date(2023, 5, 15)  # window 2 closed on 28 April, 3 opens on 5 June
    poison = [
        Message(b"not json at all", [], b"x"),
        structured(f"egov-{run}-old", data_of(package(12)), extra={"specversion": "0.3"}),
        structured(f"egov-{run}-no-plan", no_plan),
        structured(f"egov-{run}-late", data_of(package(13)), on=between_windows),
        structured(good[0], data_of(package(14))),  # the id of another submission
    ]
    messages = [
        structured(good[0], data_of(package(10))),
        *poison[:3],
        structured(good[1], data_of(package(15))),
        *poison[3:],
        structured(good[2], data_of(package(16))),
    ]
    send(settings.kafka, messages)
    worker = workers(settings)

    tally = consume(worker)

    assert (tally.submitted, tally.dead_letters) == (3, 5)
    service = worker.service
    assert sorted(stored(service, good)) == sorted(good)
    letters = dead_letter_topic(settings.kafka, at_least=5)
    assert sorted(r.raw_value for r in letters) == sorted(m.value for m in poison)
    reasons = {r.raw_value: r.headers["dead_letter_reason"].decode() for r in letters}
    assert reasons[b"not json at all"] == "value: not JSON"
    assert reasons[poison[1].value] == "specversion: expected 1.0"
    assert reasons[poison[2].value] == "invalid: data.plan [required]"
    assert "submission_within_intake_window" in reasons[poison[3].value]
    assert "used before for another submission" in reasons[poison[4].value]
    assert {r.headers["dead_letter_kind"] for r in letters} == {b"malformed", b"refused"}
    # officers see them (no value of the message: names, IINs stay on the topic)
    total, shown = dead_letters.newest(worker.db)
    mine = [d for d in shown if d.topic == settings.kafka.intake_topic]
    assert len(mine) == 5
    assert total >= 5
    assert {d.message_type for d in mine} <= {SUBMITTED_TYPE, ""}
    for letter in mine:
        for n in (11, 12, 13, 14):
            applicant = package(n).applicant
            assert applicant.iin not in letter.reason
            assert applicant.full_name not in letter.reason
    with api_for(settings) as api:
        found = api.data(DEAD_LETTERS, role=Role.OFFICER)["intakeDeadLetters"]
    listed = [d for d in found["items"] if d["topic"] == settings.kafka.intake_topic]
    assert {d["kind"] for d in listed} == {"malformed", "refused"}
    assert {d["reason"] for d in listed} == set(reasons.values())
    assert {d["messageId"] for d in listed} >= {f"egov-{run}-no-plan", good[0]}
    # read again, the dead letters are not sent twice
    again = consume(workers(settings, group=f"{run}-again"))
    assert (again.replayed, again.dead_letters) == (3, 5)
    assert len(dead_letter_topic(settings.kafka, at_least=5)) == 5


DEAD_LETTERS = """query D { intakeDeadLetters(first: 200) { __typename
  ... on IntakeDeadLetters { total items { topic partition offset messageId messageType
    source kind reason deadLetteredAt } }
  ... on NotAllowed { command role } } }"""


def test_the_dead_letters_are_for_officers_and_admins_only(sqlite_settings: Settings) -> None:
    """None yet: an empty list for officers and admins, NotAllowed for the others."""
    with api_for(sqlite_settings) as api:
        for role in (Role.OFFICER, Role.ADMIN):
            found = api.data(DEAD_LETTERS, role=role)["intakeDeadLetters"]
            assert found == {"__typename": "IntakeDeadLetters", "total": 0, "items": []}
        for role in (Role.COMMISSION, Role.AUDITOR):
            found = api.data(DEAD_LETTERS, role=role)["intakeDeadLetters"]
            assert found == {
                "__typename": "NotAllowed",
                "command": "intakeDeadLetters",
                "role": role.value,
            }


class CrashError(Exception):
    """The process dies between the command and the offset commit."""


class CrashingOnCommit:
    """A consumer whose first commit never happens: the process died just before it."""

    def __init__(self, consumer: Any) -> None:
        self.consumer = consumer

    def commit(self, *_: Any, **__: Any) -> None:
        raise CrashError

    def __getattr__(self, name: str) -> Any:
        return getattr(self.consumer, name)


def test_a_crash_between_the_command_and_the_commit_redelivers_and_stores_nothing_twice(
    postgres_settings: Settings, broker: Tansu, workers: Workers
) -> None:
    settings = with_intake(postgres_settings, broker.bootstrap)
    ids = [f"egov-{settings.kafka.intake_group}-{n}" for n in range(20)]
    send(settings.kafka, [structured(i, data_of(package(100 + n))) for n, i in enumerate(ids)])
    kafka = settings.kafka
    consumer = new_intake_consumer(kafka, max_poll_interval_ms=5000)
    crashing = workers(settings, consumer=CrashingOnCommit(consumer))
    deadline, crashed = time.monotonic() + 30, False
    while not crashed and time.monotonic() < deadline:
        try:
            crashing.poll_once()  # empty until the group gave it the partitions
        except CrashError:
            crashed = True
    assert crashed
    handled = stored(crashing.service, ids)
    assert handled  # the commands of the batch were stored, its offsets not committed
    consumer.close(autocommit=False)  # the group lets its partitions go: a new member

    after = consume(workers(settings))

    assert after.replayed == len(handled)  # redelivered, and dropped by the key
    assert after.submitted == len(ids) - len(handled)
    now = stored(crashing.service, ids)
    assert sorted(now) == sorted(ids)
    assert {i: now[i] for i in handled} == handled  # nothing stored twice


def test_a_burst_of_1000_submissions_is_stored_whole(
    postgres_settings: Settings, broker: Tansu, workers: Workers
) -> None:
    settings = with_intake(postgres_settings, broker.bootstrap)
    ids = [f"egov-{settings.kafka.intake_group}-{n}" for n in range(1000)]
    send(settings.kafka, [structured(i, data_of(package(n))) for n, i in enumerate(ids)])
    worker = workers(settings)

    started = time.perf_counter()
    tally = consume(worker)
    seconds = time.perf_counter() - started  # consume() stops at the end: no idle to subtract

    assert (tally.submitted, tally.replayed, tally.dead_letters) == (1000, 0, 0)
    assert sorted(stored(worker.service, ids)) == sorted(ids)
    print(f"1,000 submissions in {seconds:.1f} s (the group's join included)")
