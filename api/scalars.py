"""The Date and DateTime scalars, writing ISO text as it is as well as date objects.

The read models keep dates as ISO text (``projections/schema.py``), and the API writes
them as ISO text: a case-list page parsed some 130 date strings into ``date`` objects only
to write each back with ``isoformat()``. Objects built from read-model rows
(``ApplicationView.from_row``) now keep the text, and both executors write it unchanged: the
fast path's generated code (``api/fast_executor.py``) and graphql-core's, through these
definitions. Everything else about the scalars (names, descriptions, input parsing) is
strawberry's own, so the SDL does not change.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition


def iso_text(value: Any) -> str:
    """ISO text as it is; a date or datetime in its ISO format."""
    return value if value.__class__ is str else value.isoformat()


SCALAR_OVERRIDES: dict[object, Any] = {
    date: dataclasses.replace(DateDefinition, serialize=iso_text),
    datetime: dataclasses.replace(DateTimeDefinition, serialize=iso_text),
}
