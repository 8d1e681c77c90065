"""Stored events as verify reads them: the raw rows, decoded to their JSON bodies only."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper

from domain.case import personal
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
    body = body_of(mapper, state)
    problem = identity_problem(mapper, originator_id, body)
    return StoredLink.from_row(originator_id, version, topic, body, problem)


def identity_problem(mapper: Mapper[UUID], originator_id: UUID | str, body: dict[str, Any]) -> str:
    """Why a sealed identity does not open to its commitment while its key exists ("" when
    it does, when it was erased, or when the event holds none)."""
    sealer = getattr(mapper, "sealer", None)
    if sealer is None or not personal.is_sealed(body):
        return ""
    case_id = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
    try:
        personal.opened_body(body, case_id, sealer)
    except personal.PersonalDataError as e:
        return str(e)
    return ""
