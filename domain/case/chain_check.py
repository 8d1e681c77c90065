"""Checking a case's hash chain from its stored rows, and the checkpoint chain over the log.

Pure functions over what was read from the store (``infra/audit/verify.py`` reads it):
each finding names the case, the version and what no longer matches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.case.chain import GENESIS, digest
from domain.case.personal import chained_body

ALTERED = "altered"  # the event's content no longer matches its own hash
DELETED = "deleted"  # a version is missing from the case
REORDERED = "reordered"  # an event sits at another version (or log position) than recorded
RELINKED = "broken_link"  # an event's recorded predecessor hash differs from its predecessor's
UNCHAINED = "unchained"  # stored before the chain existed (or its hash was removed)
SEALED = "sealed_identity"  # the sealed identity does not open, or not to its commitment
CHECKPOINT = "checkpoint"  # a checkpoint over the log no longer matches


@dataclass(frozen=True)
class Finding:
    application_id: str  # "" for a finding about the log as a whole (a checkpoint)
    version: int | None
    kind: str
    detail: str

    def text(self) -> str:
        where = f"case {self.application_id} version {self.version}" if self.application_id else ""
        return f"{self.kind}: {where}{': ' if where else ''}{self.detail}"


@dataclass(frozen=True)
class StoredLink:
    """One stored event as verify sees it: its columns and its decoded JSON body."""

    originator_id: UUID
    version: int
    topic: str
    state: dict[str, Any]  # the stored body without ``meta.chain_hash``, as hashed
    chain_hash: str  # as stored
    prev_hash: str  # as stored
    identity_problem: str = ""  # why the sealed identity does not match (key still there)

    @classmethod
    def from_row(
        cls,
        originator_id: UUID | str,
        version: int,
        topic: str,
        body: dict[str, Any],
        identity_problem: str = "",
    ) -> StoredLink:
        meta = body.get("meta") or {}
        stored = meta.pop("chain_hash", "") if isinstance(meta, dict) else ""
        prev = meta.get("prev_hash", "") if isinstance(meta, dict) else ""
        case_id = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
        state = chained_body(body)
        return cls(case_id, version, topic, state, str(stored), str(prev), identity_problem)

    def recomputed(self, version: int | None = None) -> str:
        at = self.version if version is None else version
        return digest(self.originator_id, at, self.topic, self.state)

    @property
    def intact(self) -> bool:
        return (
            bool(self.chain_hash)
            and not self.identity_problem
            and self.recomputed() == self.chain_hash
        )


def check_case(links: Sequence[StoredLink]) -> list[Finding]:
    """Every mismatch in one case's chain, given its stored events (any order)."""
    ordered = sorted(links, key=lambda link: link.version)
    if not ordered:
        return []
    case_id = str(ordered[0].originator_id)
    by_version = {link.version: link for link in ordered}
    findings = [
        Finding(case_id, v, DELETED, "this version is missing from the store")
        for v in range(1, ordered[-1].version + 1)
        if v not in by_version
    ]
    flagged: set[int] = set()
    for link in ordered:
        own = _check_content(link, ordered[-1].version)
        if own is None and link.version - 1 not in flagged:
            own = _check_link(link, by_version)
        if own is not None:
            findings.append(own)
            flagged.add(link.version)
    return sorted(findings, key=lambda f: (f.version or 0, f.kind))


def _check_content(link: StoredLink, last: int) -> Finding | None:
    case_id = str(link.originator_id)
    if not link.chain_hash:
        return Finding(case_id, link.version, UNCHAINED, "the event carries no chain hash")
    if link.identity_problem and link.recomputed() == link.chain_hash:
        return Finding(case_id, link.version, SEALED, link.identity_problem)
    if link.intact:
        return None
    moved = _recorded_version(link, last)
    if moved is not None:
        detail = f"the event recorded as version {moved} is stored as version {link.version}"
        return Finding(case_id, link.version, REORDERED, detail)
    return Finding(case_id, link.version, ALTERED, "the content does not match its hash")


def _check_link(link: StoredLink, by_version: dict[int, StoredLink]) -> Finding | None:
    """The predecessor still has the hash this event recorded (an edited and re-hashed
    predecessor does not); a missing predecessor is reported as deleted instead."""
    before = by_version.get(link.version - 1)
    expected = GENESIS if link.version == 1 else (before.chain_hash if before else None)
    if expected is None or link.prev_hash == expected:
        return None
    detail = f"version {link.version - 1} no longer has the hash this event was linked to"
    return Finding(str(link.originator_id), link.version, RELINKED, detail)


def _recorded_version(link: StoredLink, last: int) -> int | None:
    """The version whose hash this event's content matches, when it was moved."""
    for version in range(1, last + 2):
        if version != link.version and link.recomputed(version) == link.chain_hash:
            return version
    return None


# -- checkpoints -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A hash over a stretch of the log, chained to the checkpoint before it.

    ``hash`` = SHA-256 hex of ``prev_hash`` followed by one line per event in log order,
    ``"{position} {originator_id} {version} {chain_hash}\\n"``, for every position after
    ``after`` up to and including ``upto``.
    """

    seq: int
    after: int
    upto: int
    events: int
    prev_hash: str
    hash: str


class CheckpointHasher:
    """The running hash of one checkpoint's stretch of the log."""

    def __init__(self, prev_hash: str) -> None:
        self._hash = hashlib.sha256(prev_hash.encode())
        self.events = 0

    def add(self, position: int, originator_id: UUID | str, version: int, chain_hash: str) -> None:
        self._hash.update(f"{position} {originator_id} {version} {chain_hash}\n".encode())
        self.events += 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def check_checkpoint_chain(checkpoints: Iterable[Checkpoint]) -> list[Finding]:
    """Each checkpoint must follow its predecessor: same positions, same hash."""
    findings = []
    prev_hash, prev_upto = GENESIS, 0
    for cp in checkpoints:
        if cp.prev_hash != prev_hash or cp.after != prev_upto:
            findings.append(
                Finding(
                    "", None, CHECKPOINT, f"checkpoint #{cp.seq} does not follow the one before it"
                )
            )
        prev_hash, prev_upto = cp.hash, cp.upto
    return findings
