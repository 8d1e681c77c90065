"""One-dimensional arrays in PostgreSQL's binary layout (what ``array_recv`` reads), for
the insert functions' parameters (``infra/event_store.py``).

The layout: the number of dimensions, a has-nulls flag and the element type's oid, then
for each dimension its length and lower bound (1), then each element as its length and
its bytes; an empty array has no dimension. Byte for byte what psycopg's
``ListBinaryDumper`` writes for the same list of non-null elements
(``tests/unit/test_binary_arrays.py``), in one ``struct`` call or one ``bytes.join``
per array instead of a dumper call per element.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from uuid import UUID

from psycopg import postgres


def _oids(name: str) -> tuple[int, int]:
    """The element type's oid and its array type's, from psycopg's catalogue."""
    info = postgres.types.get(name)
    assert info is not None
    assert info.array_oid
    return info.oid, info.array_oid


UUID_OID, UUID_ARRAY_OID = _oids("uuid")
INT8_OID, INT8_ARRAY_OID = _oids("int8")
INT4_OID, INT4_ARRAY_OID = _oids("int4")
TEXT_OID, TEXT_ARRAY_OID = _oids("text")
BYTEA_OID, BYTEA_ARRAY_OID = _oids("bytea")

_EMPTY = struct.Struct(">iii")  # no dimension, no null, the element's oid
_HEAD = struct.Struct(">iiiii")  # one dimension, no null, the element's oid, length, 1
_LENGTH = struct.Struct(">i")
_UUID_LENGTH = _LENGTH.pack(16)


def _head(oid: int, n: int) -> bytes:
    return _HEAD.pack(1, 0, oid, n, 1) if n else _EMPTY.pack(0, 0, oid)


def uuids(values: Sequence[UUID]) -> bytes:
    return _head(UUID_OID, len(values)) + b"".join([_UUID_LENGTH + v.bytes for v in values])


def int8s(values: Sequence[int]) -> bytes:
    """Each element as its length (8) and its big-endian value, in one ``struct`` call."""
    return _fixed(INT8_OID, "q", 8, values)


def int4s(values: Sequence[int]) -> bytes:
    return _fixed(INT4_OID, "i", 4, values)


def _fixed(oid: int, code: str, size: int, values: Sequence[int]) -> bytes:
    n = len(values)
    fields: list[int] = [size, 0] * n
    fields[1::2] = values
    return _head(oid, n) + struct.pack(">" + ("i" + code) * n, *fields)


def texts(values: Sequence[str]) -> bytes:
    """Encoded as UTF-8 (the topics are module paths and class names: ASCII, the same
    bytes in any server encoding)."""
    return _varying(TEXT_OID, [v.encode() for v in values])


def byteas(values: Sequence[bytes]) -> bytes:
    return _varying(BYTEA_OID, values)


def _varying(oid: int, values: Sequence[bytes]) -> bytes:
    pack = _LENGTH.pack
    return _head(oid, len(values)) + b"".join([pack(len(v)) + v for v in values])
