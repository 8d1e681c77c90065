"""The pieces of what an operator sees, without a process: the settings, the choice of log
format, the JSON line, the traceparent in the stored event (stored only when set), and
the bounded operation names of the metrics."""

from __future__ import annotations

import dataclasses
import io
import json
import logging

import pytest
from eventsourcing.persistence import StoredEvent

from domain.case import chain
from domain.case.events import CaseEvent, Submitted
from infra.mapper import DomainMapper
from infra.observability import logs, metrics
from infra.settings import Settings, SettingsError
from tests.support.stored_bytes import PlainSealer, golden_events

ERASED, GOLDEN = golden_events()
MAPPER = DomainMapper(transcoder=None, sealer=PlainSealer(ERASED))
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_log_and_metrics_settings_have_defaults_and_rules() -> None:
    found = Settings.from_env({})
    assert (found.log_format, found.log_level, found.metrics_port) == (None, "info", None)
    assert (found.otel_exporter_otlp_endpoint, found.prometheus_multiproc_dir) == ("", "")
    chosen = Settings.from_env({"BOLASHAK_LOG_FORMAT": "JSON", "BOLASHAK_LOG_LEVEL": "Debug"})
    assert (chosen.log_format, chosen.log_level) == ("json", "debug")
    endpoint = Settings.from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert endpoint.otel_exporter_otlp_endpoint == "http://collector:4318"
    with pytest.raises(SettingsError, match="BOLASHAK_LOG_FORMAT"):
        Settings.from_env({"BOLASHAK_LOG_FORMAT": "xml"})
    with pytest.raises(SettingsError, match="BOLASHAK_METRICS_PORT"):
        Settings.from_env({"BOLASHAK_METRICS_PORT": "0"})


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_console_on_a_terminal_json_otherwise_unless_chosen() -> None:
    assert logs.chosen_format(None, _Terminal()) == "console"
    assert logs.chosen_format(None, io.StringIO()) == "json"
    assert logs.chosen_format("json", _Terminal()) == "json"


def test_a_json_line_holds_time_level_logger_event_and_the_given_fields() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        logs.configure("json", "info", stream)
        logging.getLogger("bolashak.test").info("command", extra={"outcome": "ok", "events": 2})
        logging.getLogger("bolashak.test").debug("below the level")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
    [line] = stream.getvalue().splitlines()
    found = json.loads(line)
    assert {k: found[k] for k in ("level", "logger", "event", "outcome", "events")} == {
        "level": "info",
        "logger": "bolashak.test",
        "event": "command",
        "outcome": "ok",
        "events": 2,
    }
    assert found["ts"].endswith("+00:00")


def _a_stored_event() -> tuple[CaseEvent, StoredEvent]:
    for g in GOLDEN:
        stored = StoredEvent(g.originator_id, g.originator_version, g.topic, g.state)
        event = MAPPER.to_domain_event(stored)
        if not isinstance(event, Submitted):
            assert isinstance(event, CaseEvent)
            return event, stored
    raise AssertionError("no event but submissions in the golden file")


def test_the_traceparent_is_stored_only_when_set_and_read_back() -> None:
    event, stored = _a_stored_event()
    assert event.meta.traceparent == ""  # bytes stored before it existed
    assert b"traceparent" not in MAPPER.to_stored_event(event).state  # stored as before
    traced = dataclasses.replace(event.meta, traceparent=TRACEPARENT)
    object.__setattr__(event, "meta", traced)
    again = MAPPER.to_stored_event(event)
    assert f'"traceparent":"{TRACEPARENT}"'.encode() in again.state
    read = MAPPER.to_domain_event(again)
    assert isinstance(read, CaseEvent)
    assert read.meta.traceparent == TRACEPARENT
    assert "traceparent" in chain.encode_body(read)["meta"]  # the chain covers it when set
    assert stored.state != again.state


def test_client_chosen_operation_names_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "_operation_names", set())  # this process's other tests'
    assert metrics.operation_label(None) == "anonymous"
    names = {metrics.operation_label(f"Op{n}") for n in range(metrics.MAX_OPERATION_NAMES + 50)}
    assert metrics.OTHER in names
    assert len(names) <= metrics.MAX_OPERATION_NAMES + 1
