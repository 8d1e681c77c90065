"""A case as plain data (for the CLI and exports); personal data only when asked for."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from domain.case.application import Application
from domain.case.events import CaseEvent

PERSONAL_FIELDS = ("applicant",)
# The secret salt of the identity's commitment (domain/case/personal.py): never shown to
# anyone, personal-data roles included; with it, a guessed identity could be confirmed
# against the hash chain after erasure.
SECRET_FIELDS = ("applicant_salt",)


def plain(value: Any) -> Any:
    """JSON-ready form of domain values: enums by value, dates ISO, decimals as text."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return value


def case_view(case: Application, *, with_personal_data: bool) -> dict[str, Any]:
    state = {k.lstrip("_"): v for k, v in vars(case).items() if k not in ("_pending_events",)}
    state.pop("commands", None)
    if not with_personal_data:
        for name in PERSONAL_FIELDS:
            state.pop(name, None)
    return {"id": str(case.id), "status": case.stage.status.value, **plain(state)}


def event_view(event: CaseEvent, *, with_personal_data: bool) -> dict[str, Any]:
    hidden = ("originator_id", "meta", *SECRET_FIELDS)
    body = {k: v for k, v in vars(event).items() if k not in hidden}
    if not with_personal_data:
        for name in PERSONAL_FIELDS:
            body.pop(name, None)
    return {
        "version": event.originator_version,
        "type": type(event).__name__,
        "recorded_at": event.timestamp.isoformat(),
        "meta": plain(event.meta),
        "data": plain(body),
    }
