"""The fast executor writes plain fields exactly as graphql-core would."""

from __future__ import annotations

import math
from datetime import date, datetime
from enum import Enum

import pytest
from graphql import GraphQLEnumType, Undefined, is_leaf_type

from api.fast_executor import plain_leaf_writer
from api.schema import office_schema

SAMPLES = ["text", 7, 2**40, 2.5, math.nan, True, date(2023, 4, 20), datetime(2023, 5, 20, 10, 0)]


def leaf_types() -> list[object]:
    return [
        t
        for t in office_schema()._schema.type_map.values()
        if is_leaf_type(t) and not t.name.startswith("__")
    ]


def test_every_enum_member_is_written_as_graphql_writes_it() -> None:
    for kind in leaf_types():
        if isinstance(kind, GraphQLEnumType):
            for value in kind.values.values():
                if isinstance(value.value, Enum):
                    assert plain_leaf_writer(kind)(value.value) == kind.coerce_output_value(
                        value.value
                    )


@pytest.mark.parametrize("sample", SAMPLES)
def test_plain_values_match_the_types_own_coercion(sample: object) -> None:
    for kind in leaf_types():
        try:
            expected = kind.coerce_output_value(sample)  # type: ignore[attr-defined]
        except Exception:  # the type refuses the value: the fast path must not write it
            expected = Undefined
        try:
            written = plain_leaf_writer(kind)(sample)
        except Exception:
            written = Undefined
        both_nan = all(isinstance(v, float) and math.isnan(v) for v in (written, expected))
        assert both_nan or written == expected or written is expected, (kind, sample)


@pytest.mark.parametrize(
    ("scalar", "text", "value"),
    [
        ("Date", "2023-04-20", date(2023, 4, 20)),
        (
            "DateTime",
            "2023-05-20T10:00:00+05:00",
            datetime.fromisoformat("2023-05-20T10:00:00+05:00"),
        ),
    ],
)
def test_iso_text_kept_from_a_read_model_is_written_as_it_is_by_both_paths(
    scalar: str, text: str, value: object
) -> None:
    """Case rows keep the read model's ISO text for dates (``Application.from_row``): the
    fast path and graphql-core's both write it unchanged, and a date object as its text."""
    kind = office_schema()._schema.type_map[scalar]
    for write in (plain_leaf_writer(kind), kind.coerce_output_value):  # type: ignore[attr-defined]
        assert write(text) == text
        assert write(value) == text
