"""What an operator sees of a running process: structured logs (``logs.py``), Prometheus
metrics (``metrics.py``) and OpenTelemetry traces (``tracing.py``).

Each process configures them once, from its settings, at its start (``api/cli/``); the
code that does the work only writes to them. The hot paths stay cheap: metrics are
children bound once per label set, no span is made while tracing is off, and a log line
below the configured level costs one level check.
"""
