"""The insert functions' arrays (``infra/binary_arrays.py``) are laid out byte for byte as
psycopg's own binary list dumper lays out the same lists, which PostgreSQL reads."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import psycopg
from hypothesis import given
from hypothesis import strategies as st
from psycopg import postgres
from psycopg.adapt import AdaptersMap, PyFormat, Transformer
from psycopg.types.array import ListBinaryDumper

from infra import binary_arrays as arrays


def psycopg_dumps(element: str, values: Sequence[Any]) -> bytes:
    """``values`` as psycopg sends a list declared as an array of ``element``."""
    info = postgres.types.get(element)
    assert info is not None
    declared: type[list[Any]] = type("Declared", (list,), {})
    dumper = type("Dumper", (ListBinaryDumper,), {"oid": info.array_oid, "element_oid": info.oid})
    adapters = AdaptersMap(psycopg.adapters)
    adapters.register_dumper(declared, dumper)
    transformer = Transformer(SimpleNamespace(adapters=adapters, connection=None))
    listed = declared(values)
    return bytes(transformer.get_dumper(listed, PyFormat.BINARY).dump(listed) or b"")


def same_as_psycopg(element: str, ours: Callable[[Any], bytes], values: Sequence[Any]) -> None:
    assert ours(values) == psycopg_dumps(element, values)


@given(st.lists(st.uuids()))
def test_uuid_arrays_are_laid_out_as_psycopg_dumps_them(values: list[UUID]) -> None:
    same_as_psycopg("uuid", arrays.uuids, values)


@given(st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1)))
def test_bigint_arrays_are_laid_out_as_psycopg_dumps_them(values: list[int]) -> None:
    same_as_psycopg("int8", arrays.int8s, values)


@given(st.lists(st.integers(min_value=-(2**31), max_value=2**31 - 1)))
def test_int_arrays_are_laid_out_as_psycopg_dumps_them(values: list[int]) -> None:
    same_as_psycopg("int4", arrays.int4s, values)


@given(st.lists(st.text(alphabet=st.characters(exclude_categories=["Cs"], min_codepoint=1))))
def test_text_arrays_are_laid_out_as_psycopg_dumps_them(values: list[str]) -> None:
    same_as_psycopg("text", arrays.texts, values)


@given(st.lists(st.binary(max_size=300)))
def test_bytea_arrays_are_laid_out_as_psycopg_dumps_them(values: list[bytes]) -> None:
    same_as_psycopg("bytea", arrays.byteas, values)


def test_empty_arrays_carry_no_dimension() -> None:
    assert arrays.uuids([]) == (0).to_bytes(4, "big") * 2 + arrays.UUID_OID.to_bytes(4, "big")
