"""Hypothesis strategies for hostile command input: any value of a field's type, from the
plausible to the absurd (huge and control-character text, NaN and infinite decimals, dates
at the ends of the calendar, ids of no case), built from the commands' own type hints."""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from domain.case.meta import CommandContext, Role
from tests.support.journey import SCORES

HOSTILE_TEXT = (
    "",
    " ",
    "\x00",
    "A\x00B",
    "\u202eevil",
    "\ud7ff\ufffe",
    "\ud800",
    "'; DROP TABLE bolashak_events; --",
    "x" * 100_000,
    "\n\t\r",
)


def fragment_bomb(levels: int) -> str:
    """Each fragment spreads the one before it twice: 2**levels fields when expanded."""
    parts = ["fragment F0 on Query { __typename }"]
    parts += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)]
    return f"query {{ ...F{levels - 1} }} " + " ".join(parts)


def fuzz_examples(default: int) -> int:
    """Examples per property: ``default`` in ``make test``, ``FUZZ_EXAMPLES`` for more."""
    return int(os.environ.get("FUZZ_EXAMPLES", default))


texts = st.one_of(
    st.text(max_size=40),
    st.text(min_size=190, max_size=320),
    st.sampled_from(HOSTILE_TEXT),
)
decimals = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(min_value=-10, max_value=200, places=1),
    st.sampled_from([Decimal("NaN"), Decimal("sNaN"), Decimal("-Infinity"), Decimal("1E+999")]),
)
integers = st.one_of(st.integers(min_value=-5, max_value=200), st.integers())
dates = st.one_of(
    st.dates(min_value=date(2023, 4, 1), max_value=date(2031, 1, 2)),
    st.dates(),
)
datetimes = st.one_of(
    st.datetimes(min_value=datetime(2023, 4, 1), max_value=datetime(2031, 1, 2)),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-12))])),
)
scores = st.one_of(
    st.just(SCORES),
    st.dictionaries(st.sampled_from([*SCORES, "bogus"]), integers, max_size=6),
    st.builds(lambda k, v: {**SCORES, k: v}, st.sampled_from(list(SCORES)), integers),
)


def value_of(hint: Any, ids: list[UUID]) -> st.SearchStrategy[Any]:
    """Any value of the type ``hint`` (``ids``: the cases an id may name, besides others)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return st.none() | value_of(inner[0], ids)
    if origin is tuple:
        return st.lists(value_of(typing.get_args(hint)[0], ids), max_size=4).map(tuple)
    if origin is dict:
        return scores
    if dataclasses.is_dataclass(hint):
        return command_of(typing.cast(type, hint), ids)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return st.sampled_from(list(hint))
    if hint is UUID:
        return st.sampled_from(ids) | st.uuids() if ids else st.uuids()
    simple: dict[Any, st.SearchStrategy[Any]] = {
        str: texts,
        int: integers,
        bool: st.booleans(),
        Decimal: decimals,
        date: dates,
        datetime: datetimes,
    }
    return simple[hint]


def command_of(cls: type, ids: list[UUID]) -> st.SearchStrategy[Any]:
    """A ``cls`` (a command, or a value inside one) with every field drawn by its type."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: value_of(hints[f.name], ids) for f in dataclasses.fields(cls)}
    return st.fixed_dictionaries(fields).map(lambda kwargs: cls(**kwargs))


def contexts(keys: st.SearchStrategy[str]) -> st.SearchStrategy[CommandContext]:
    return st.builds(
        CommandContext,
        actor_id=st.one_of(st.sampled_from(["officer-1", "nec-01", "egov"]), texts),
        role=st.sampled_from(list(Role)),
        idempotency_key=keys,
        occurred_on=dates,
        reason=st.one_of(st.just(""), texts),
        correlation_id=st.one_of(st.just(""), texts),
        causation_id=st.one_of(st.just(""), texts),
    )


def one_field_changed(base: Any, ids: list[UUID]) -> st.SearchStrategy[Any]:
    """``base`` (a command) with one field, or one field of a value inside it, drawn by its
    type: mostly valid input with a single hostile value, which reaches deeper checks."""
    hints = typing.get_type_hints(type(base))
    paths: list[tuple[str, ...]] = []
    for f in dataclasses.fields(base):
        inner = getattr(base, f.name)
        if dataclasses.is_dataclass(inner) and not isinstance(inner, type):
            paths += [(f.name, g.name) for g in dataclasses.fields(inner)]
        else:
            paths.append((f.name,))

    def change(path: tuple[str, ...]) -> st.SearchStrategy[Any]:
        if len(path) == 1:
            return value_of(hints[path[0]], ids).map(
                lambda v: dataclasses.replace(base, **{path[0]: v})
            )
        outer = getattr(base, path[0])
        hint = typing.get_type_hints(type(outer))[path[1]]
        return value_of(hint, ids).map(
            lambda v: dataclasses.replace(
                base, **{path[0]: dataclasses.replace(outer, **{path[1]: v})}
            )
        )

    return st.sampled_from(paths).flatmap(change)


# -- GraphQL literals of the schema's scalars, plausible and hostile ------------------------


def json_node(value: Any) -> graphql.ValueNode:
    """A JSON value (an object of names, an integer or text) as a GraphQL literal."""
    if isinstance(value, dict):
        return graphql.ObjectValueNode(
            fields=tuple(
                graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=json_node(v))
                for k, v in value.items()
            )
        )
    if isinstance(value, int):
        return graphql.IntValueNode(value=str(value))
    return graphql.StringValueNode(value=str(value))


SCALAR_NODES: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
    "Date": st.one_of(
        st.dates(min_value=date(2023, 4, 1), max_value=date(2031, 1, 2)).map(date.isoformat),
        st.dates().map(date.isoformat),
        st.text(max_size=12),
    ).map(nodes.String),
    "DateTime": st.one_of(st.datetimes().map(lambda d: d.isoformat()), st.text(max_size=20)).map(
        nodes.String
    ),
    "Decimal": st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.sampled_from(["4.5", "7.0", "NaN", "-Infinity", "1e999999", "", "abc"]),
    ).map(nodes.String),
    "JSON": st.one_of(
        st.dictionaries(
            st.sampled_from(list(SCORES))
            | st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,30}", fullmatch=True),
            st.integers() | st.text(max_size=10),
            max_size=6,
        ),
        st.integers(),
        st.text(max_size=20),
    ).map(json_node),
    "String": st.one_of(st.text(max_size=40), st.sampled_from(HOSTILE_TEXT)).map(nodes.String),
}
