"""The stored bytes of every event type, as the first codec wrote them (a golden file).

``tests/data/stored_events.json`` holds, for each event recorded by
``tests/support/all_events.py``, the body the store wrote (``state``, UTF-8 JSON, with no
cipher or compressor), its topic, case and version, and the ``repr`` of the event that
body decoded to. It was written by the type-walking codec (``domain/codec.py``) before
msgspec replaced it; ``tests/unit/case/test_stored_bytes.py`` checks that the store still
writes and reads exactly these bytes. Identities are sealed by ``PlainSealer`` (no
encryption, so that the file needs no keys); the erased case's identity opens as withheld.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

GOLDEN_FILE = Path(__file__).resolve().parents[1] / "data" / "stored_events.json"


@dataclass
class PlainSealer:
    """A sealer with no secret (base64 of the plaintext): the golden file opens anywhere.
    The cases in ``erased`` have lost their key. (It answers the whole ``Sealer``
    protocol, so some arguments go unused.)"""

    erased: frozenset[UUID] = frozenset()

    def seal(self, application_id: UUID, plaintext: bytes) -> str:  # noqa: ARG002
        return base64.b64encode(plaintext).decode()

    def open(self, application_id: UUID, sealed: str) -> bytes | None:
        return None if application_id in self.erased else base64.b64decode(sealed)

    def destroy(self, application_id: UUID) -> bool:  # noqa: ARG002
        return False

    def forget(self, application_id: UUID) -> None:  # noqa: ARG002
        return None

    def seal_existing(self, application_id: UUID, plaintext: bytes) -> str | None:
        return None if application_id in self.erased else self.seal(application_id, plaintext)

    def open_with_key(
        self,
        application_id: UUID,
        wrapped_key: bytes | None,  # noqa: ARG002
        sealed: str,
    ) -> bytes | None:
        return self.open(application_id, sealed)

    def digest(self, value: str) -> str:
        return value


@dataclass(frozen=True)
class GoldenEvent:
    topic: str
    originator_id: UUID
    originator_version: int
    state: bytes
    event: str  # the repr of the event the state decoded to


def golden_events() -> tuple[frozenset[UUID], list[GoldenEvent]]:
    """The erased cases and the stored events of the golden file."""
    found: dict[str, Any] = json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))
    events = [
        GoldenEvent(
            e["topic"],
            UUID(e["originator_id"]),
            e["originator_version"],
            e["state"].encode(),
            e["event"],
        )
        for e in found["events"]
    ]
    return frozenset(UUID(i) for i in found["erased"]), events
