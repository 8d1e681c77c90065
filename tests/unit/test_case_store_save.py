"""The store's ``save`` of its own aggregates (``infra/case_store.py``): the library's save
without its runtime-protocol checks, doing the rest exactly as the library does."""

from __future__ import annotations

import inspect

import pytest
from eventsourcing.application import Application as EventSourcedApplication
from eventsourcing.application import ProcessingEvent

from domain.case.meta import Role
from domain.case.stage import Stage
from infra.case_store import CaseEvents, CaseService
from tests.support.journey import ON, Journey


def test_the_librarys_save_still_collects_then_records_snapshots_and_notifies() -> None:
    """A trip-wire for an upgrade of eventsourcing: the override repeats the steps of the
    pinned version's ``save`` after the collection; a version that saves otherwise fails
    here before it could save differently in production."""
    source = inspect.getsource(EventSourcedApplication.save)
    steps = [
        "processing_event: ProcessingEvent[TAggregateID] = ProcessingEvent()",
        "processing_event.collect_events(*objs, **kwargs)",
        "recordings = self._record(processing_event)",
        "self._take_snapshots(processing_event)",
        "self._notify(recordings)",
        "self.notify(processing_event.events)",
        "return recordings",
    ]
    code = (line.split("#")[0].strip() for line in source.split('"""')[-1].splitlines())
    body = [line for line in code if line]
    assert body == steps


def test_a_case_is_saved_without_the_protocol_checks_and_reads_back_as_decided(
    service: CaseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    def checked(*_: object, **__: object) -> None:
        raise AssertionError("the protocol checks ran")

    monkeypatch.setattr(ProcessingEvent, "collect_events", checked)
    j = Journey(service)
    j.send(j.submission, ON[Stage.SUBMITTED], role=Role.APPLICANT, actor="egov")
    j.to(Stage.TESTED)
    case = service.get_case(j.id)
    assert case.stage is Stage.TESTED
    assert [e.originator_version for e in service.events.get(j.id)] == [1, 2, 3]
    assert service.cached_case(j.id).version == case.version


def test_anything_else_is_saved_by_the_librarys_own_save(
    service: CaseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    called: list[object] = []

    def librarys(_self: object, *objs: object, **_: object) -> list[object]:
        called.extend(objs)
        return []

    monkeypatch.setattr(EventSourcedApplication, "save", librarys)
    CaseEvents.save(service, None)
    assert called == [None]
