"""Stored events as verify reads them: the raw rows, decoded to their JSON bodies only."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper

from domain.case.chain_check import StoredLink


def body_of(mapper: Mapper[UUID], state: bytes) -> dict[str, Any]:
    """The stored JSON object of an event (after the cipher and compressor, when set)."""
    data = state
    if mapper.cipher:
        data = mapper.cipher.decrypt(data)
    if mapper.compressor:
        data = mapper.compressor.decompress(data)
    body: dict[str, Any] = orjson.loads(data)
    return body


def link_of(
    mapper: Mapper[UUID], originator_id: UUID | str, version: int, topic: str, state: bytes
) -> StoredLink:
    return StoredLink.from_row(originator_id, version, topic, body_of(mapper, state))
