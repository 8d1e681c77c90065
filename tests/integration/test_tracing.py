"""One trace from a client's mutation to the consumed Kafka message (issue 20, section 1):
the GraphQL operation's span continues the client's ``traceparent``, the command's span is
its child, the command's events keep its traceparent, the relay sends it as the
CloudEvents distributed-tracing extension, and the example consumer's span continues it.
Spans are collected with the OpenTelemetry SDK's in-memory exporter, against a real
Kafka-protocol broker (tansu)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from domain.case.events import CaseEvent
from infra.container import build_consumer, build_reader, build_relay
from infra.database import init_schema
from infra.example_consumer import new_kafka_consumer
from infra.observability import metrics, tracing
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support import builders as b
from tests.support.api import api_for
from tests.support.authz import submission_input
from tests.support.broker import Tansu
from tests.support.kafka import GROUP_TIMINGS, read_to_the_end, read_topic, with_broker

CLIENT_TRACE = "0af7651916cd43dd8448eb211c80319c"
CLIENT_SPAN = "b7ad6b7169203331"
SUBMIT = (
    "mutation Submit($input: SubmitApplicationInput!) { submitApplication(input: $input)"
    " { __typename ... on CaseUpdated { application { id } } } }"
)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    try:
        yield exporter
    finally:
        tracing.install(None)
        provider.shutdown()


def named(found: tuple[ReadableSpan, ...], name: str) -> ReadableSpan:
    [span] = [s for s in found if s.name == name]
    return span


def test_one_trace_runs_from_the_mutation_to_the_consumed_message(
    tmp_path: Path, broker: Tansu, spans: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    # operation names are counted up to a bound per process: this test's must be one
    monkeypatch.setattr(metrics, "_operation_names", set())
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": f"sqlite:///{tmp_path}/cases.db"})
    init_schema(settings)
    settings = with_broker(settings, broker.bootstrap)
    sent = submission_input(b.submission()) | {
        "idempotencyKey": "traced-1",
        "occurredOn": "2023-04-20",
    }
    with api_for(settings, clock_day=FAR_FUTURE) as api:
        headers = {"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"}
        response = api.post(SUBMIT, {"input": sent}, headers=headers)
        case_id = response.json()["data"]["submitApplication"]["application"]["id"]

    operation = named(spans.get_finished_spans(), "mutation Submit")
    command = named(spans.get_finished_spans(), "command submit_application")
    assert format(operation.context.trace_id, "032x") == CLIENT_TRACE
    assert operation.parent is not None
    assert format(operation.parent.span_id, "016x") == CLIENT_SPAN
    assert command.parent is not None
    assert command.parent.span_id == operation.context.span_id
    command_traceparent = f"00-{CLIENT_TRACE}-{command.context.span_id:016x}-01"

    reader = build_reader(settings)  # the stored event keeps the command's traceparent
    [event] = reader.events.get(UUID(case_id))
    reader.close()
    assert isinstance(event, CaseEvent)
    assert event.meta.traceparent == command_traceparent

    relay = build_relay(settings)
    assert relay.run_until_head() >= 1
    relay.close()
    [message] = read_topic(settings.kafka.bootstrap_servers[0], settings.kafka.topic, at_least=1)
    assert message.headers["ce_traceparent"].decode() == command_traceparent
    assert message.headers["traceparent"].decode() == command_traceparent

    consumer = build_consumer(settings, new_kafka_consumer(settings, **GROUP_TIMINGS))
    try:
        tally = consumer.run(lambda: read_to_the_end(consumer.consumer), idle_exit=3)
    finally:
        consumer.close()
    assert tally.applied == 1
    consumed = named(spans.get_finished_spans(), f"{settings.kafka.topic} process")
    assert consumed.kind is SpanKind.CONSUMER
    assert format(consumed.context.trace_id, "032x") == CLIENT_TRACE
    assert consumed.parent is not None
    assert consumed.parent.span_id == command.context.span_id
