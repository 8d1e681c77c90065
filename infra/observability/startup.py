"""What every long-running process does first: logs, traces and (for a worker) its own
``/metrics`` from its settings, then one line saying what it is and how it is set up.

The startup line names the version, the store (its URL without the password), the
broker, and the settings an operator asks about first; never a secret (the keys, the
JWT secret) and never a setting's value that could hold one.
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from infra.observability import logs, metrics, tracing
from infra.settings import Settings

log = logging.getLogger("bolashak")
DISTRIBUTION = "bolashak-cases"


def package_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown"


def start_process(
    process: str, settings: Settings, *, worker_metrics: bool = False, **facts: Any
) -> None:
    """Configures this process's logs and traces (and, for a worker, serves its
    ``/metrics`` on ``BOLASHAK_METRICS_PORT``), then logs the startup line with ``facts``
    (e.g. the server's workers)."""
    logs.configure(settings.log_format, settings.log_level)
    traced = tracing.setup(settings.otel_exporter_otlp_endpoint, process)
    port = settings.metrics_port if worker_metrics else None
    metrics.serve_worker_metrics(port)
    log.info(
        "starting",
        extra={
            "component": process,
            "version": package_version(),
            "mode": settings.mode,
            "store": settings.database.redacted(),
            "broker": ",".join(settings.kafka.bootstrap_servers) or None,
            "topic": settings.kafka.topic,
            "pool_size": settings.pool_size,
            "read_connections": settings.read_connections,
            "business_date": settings.today.isoformat() if settings.today else "system clock",
            "log_level": settings.log_level,
            "tracing": "otlp" if traced else "off",
            "metrics_port": port,
            **facts,
        },
    )
