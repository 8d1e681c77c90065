"""Structured logging on the standard library, configured once per process.

Every line has a time, a level, the logger and an event (the message); the facts of the
line are the ``extra`` fields given to the logging call. ``BOLASHAK_LOG_FORMAT`` chooses
JSON (one object per line: what a log shipper reads) or console (aligned text for a
person); unset, console on a terminal and JSON otherwise. ``BOLASHAK_LOG_LEVEL`` is the
root level. Personal data, variables and tokens are never written: the callers give only
names, ids, counts and durations.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

import orjson

Format = Literal["json", "console"]
# the attributes every LogRecord has: anything else on a record is a field of the line
_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)
# libraries whose routine chatter is below an operator's interest
_QUIET = {
    "kafka": logging.CRITICAL,
    "uvicorn.error": logging.WARNING,
    "psycopg.pool": logging.ERROR,
}


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The facts a call gave as ``extra``."""
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD}


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``logger``, ``event``, the fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        line.update(fields_of(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class ConsoleFormatter(logging.Formatter):
    """``time level logger: event key=value ...``, for a person at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        clock = time.strftime("%H:%M:%S", time.localtime(record.created))
        facts = " ".join(f"{k}={v}" for k, v in fields_of(record).items())
        text = f"{clock} {record.levelname:<7} {record.name}: {record.getMessage()}"
        if facts:
            text = f"{text}  {facts}"
        if record.exc_info:
            text = f"{text}\n{self.formatException(record.exc_info)}"
        return text


def chosen_format(wanted: Format | None, stream: TextIO) -> Format:
    """``wanted``, else console on a terminal and JSON otherwise."""
    if wanted is not None:
        return wanted
    return "console" if stream.isatty() else "json"


def configure(wanted: Format | None, level: str = "info", stream: TextIO | None = None) -> Format:
    """The root logger writes ``stream`` (stderr) in the chosen format at ``level``;
    replaces any handler configured before (a process configures once, at its start)."""
    stream = stream or sys.stderr
    chosen = chosen_format(wanted, stream)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if chosen == "json" else ConsoleFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # a library's warning is a line like any other
    for name, quiet in _QUIET.items():
        logging.getLogger(name).setLevel(max(quiet, root.level))
    return chosen
