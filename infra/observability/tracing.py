"""OpenTelemetry traces: a span per GraphQL operation and per command, continued by the
relay's messages and their consumers.

Off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (``setup``): then the SDK exports over
OTLP/HTTP in batches and reads the other standard ``OTEL_*`` variables itself (service
name, resource attributes, headers, sampler). While off, the instrumented code asks
``enabled()`` and makes no span at all, not even the API's no-op one. Tests install a
provider of their own (``install``, e.g. with the SDK's in-memory exporter).

A command's W3C ``traceparent`` is stored in its events' metadata (``EventMeta``); the
relay sends it as the CloudEvents distributed-tracing extension, and a consumer continues
the trace from it (``span(..., parent=traceparent)``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

__all__ = ["SpanKind", "enabled", "install", "setup", "span", "traceparent"]

TRACER_NAME = "bolashak"
TRACEPARENT = "traceparent"
_PROPAGATOR = TraceContextTextMapPropagator()
_tracer: Tracer | None = None


def enabled() -> bool:
    """Whether spans are made (a provider is installed)."""
    return _tracer is not None


def install(provider: trace.TracerProvider | None) -> None:
    """Spans from now on go to ``provider``; None turns tracing off again."""
    global _tracer
    _tracer = None if provider is None else provider.get_tracer(TRACER_NAME)


def setup(endpoint: str, process: str) -> bool:
    """Exports spans over OTLP/HTTP when ``endpoint`` (``OTEL_EXPORTER_OTLP_ENDPOINT``) is
    set; the service is named ``bolashak-<process>`` unless ``OTEL_SERVICE_NAME`` or
    ``OTEL_RESOURCE_ATTRIBUTES`` names it. Returns whether tracing is on."""
    if not endpoint:
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: f"bolashak-{process}"}))
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    install(provider)
    return True


@contextlib.contextmanager
def span(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    parent: str = "",
    attributes: Mapping[str, Any] | None = None,
) -> Iterator[Span | None]:
    """A span around the block, the current one's child (or ``parent``'s, a W3C
    traceparent); yields None and makes nothing while tracing is off."""
    if _tracer is None:
        yield None
        return
    context = _PROPAGATOR.extract({TRACEPARENT: parent}) if parent else None
    with _tracer.start_as_current_span(
        name, context=context, kind=kind, attributes=dict(attributes or {})
    ) as current:
        yield current


def traceparent() -> str:
    """The W3C traceparent of the current span (empty while tracing is off)."""
    if _tracer is None:
        return ""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get(TRACEPARENT, "")


def attach_incoming(headers: Mapping[str, str]) -> object | None:
    """Makes a request's ``traceparent`` header the current context (a token for
    ``detach``); None while tracing is off or without the header."""
    if _tracer is None or TRACEPARENT not in headers:
        return None
    return otel_context.attach(_PROPAGATOR.extract({TRACEPARENT: headers[TRACEPARENT]}))


def detach(token: object | None) -> None:
    if token is not None:
        otel_context.detach(token)  # type: ignore[arg-type]
