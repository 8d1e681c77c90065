"""``bolashak audit verify``: recompute the chains from the stored rows and say what broke.

The whole store is read once in log order: each event's own hash is recomputed, its link
to the case's previous event checked, and the checkpoints recomputed over their stretches
of the log. A case that does not follow on cleanly is then read again on its own and
checked in full (``check_case``), so the report names each case and version exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from domain.case.chain import GENESIS
from domain.case.chain_check import (
    CHECKPOINT,
    REORDERED,
    Checkpoint,
    CheckpointHasher,
    Finding,
    StoredLink,
    check_case,
    check_checkpoint_chain,
)
from domain.errors import ApplicationNotFoundError
from infra.audit import checkpoints
from infra.audit.stored import link_of
from infra.case_store import CaseEvents
from projections.sql import ViewDatabase

PAGE = 5000
Progress = Callable[[int, int], None]  # (events read, head)


@dataclass
class VerifyReport:
    events: int = 0
    cases: int = 0
    checkpoints: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def verify_case(reader: CaseEvents, application_id: UUID) -> VerifyReport:
    """One case's chain, from its stored rows."""
    return verify_rows(reader.mapper, reader.recorder.select_events(application_id), application_id)


def verify_rows(
    mapper: Mapper[UUID], stored: Sequence[StoredEvent], application_id: UUID
) -> VerifyReport:
    """One case's chain, from its stored rows however they were read."""
    links = links_of(mapper, stored)
    if not links:
        raise ApplicationNotFoundError(application_id)
    return VerifyReport(events=len(links), cases=1, findings=check_case(links))


def case_links(reader: CaseEvents, application_id: UUID) -> list[StoredLink]:
    return links_of(reader.mapper, reader.recorder.select_events(application_id))


def links_of(mapper: Mapper[UUID], stored: Sequence[StoredEvent]) -> list[StoredLink]:
    return [
        link_of(mapper, s.originator_id, s.originator_version, s.topic, s.state) for s in stored
    ]


def verify_store(
    reader: CaseEvents, db: ViewDatabase, progress: Progress | None = None
) -> VerifyReport:
    """Every case's chain and the checkpoint chain, in one pass over the log."""
    sealed = checkpoints.load(db)
    walk = _Walk(reader, sealed)
    head = db.log_head()
    position = 0
    while notifications := db.read_log(position, PAGE):
        for n in notifications:
            walk.add(
                n.id,
                link_of(reader.mapper, n.originator_id, n.originator_version, n.topic, n.state),
            )
        position = notifications[-1].id
        if progress:
            progress(walk.events, max(head, position))
    return walk.report(check_checkpoint_chain(sealed))


class _Walk:
    """The state of one pass over the log."""

    def __init__(self, reader: CaseEvents, sealed: list[Checkpoint]) -> None:
        self.reader = reader
        self.events = 0
        self.heads: dict[UUID, tuple[int, str]] = {}
        self.suspect: set[UUID] = set()
        self.out_of_order: list[Finding] = []
        self.pending = list(sealed)  # checkpoints not yet passed
        self.sealed = len(sealed)
        self.hasher = CheckpointHasher(sealed[0].prev_hash) if sealed else None
        self.checkpoint_findings: list[Finding] = []

    def add(self, position: int, link: StoredLink) -> None:
        self.events += 1
        self._seal(position, link)
        case_id = link.originator_id
        version, prev = self.heads.get(case_id, (0, GENESIS))
        if link.version <= version:
            detail = f"stored in the log after version {version} of the case"
            self.out_of_order.append(Finding(str(case_id), link.version, REORDERED, detail))
        follows = link.version == version + 1 and link.prev_hash == prev
        if not (follows and link.intact):
            self.suspect.add(case_id)
        self.heads[case_id] = (link.version, link.chain_hash)

    def _seal(self, position: int, link: StoredLink) -> None:
        while self.pending and position > self.pending[0].upto:
            self._close()
        if self.pending and position > self.pending[0].after:
            assert self.hasher is not None
            self.hasher.add(position, link.originator_id, link.version, link.chain_hash)

    def _close(self) -> None:
        cp = self.pending.pop(0)
        assert self.hasher is not None
        if self.hasher.hexdigest() != cp.hash:
            found = self.hasher.events
            detail = (
                f"checkpoint #{cp.seq} over log positions {cp.after + 1}-{cp.upto} no longer"
                f" matches: it sealed {cp.events} events, {found} are there now"
                " (an event in that stretch was changed, deleted, added or moved)"
            )
            self.checkpoint_findings.append(Finding("", None, CHECKPOINT, detail))
        self.hasher = CheckpointHasher(self.pending[0].prev_hash) if self.pending else None

    def report(self, chain_findings: list[Finding]) -> VerifyReport:
        while self.pending:
            self._close()
        findings = list(self.out_of_order)
        for case_id in sorted(self.suspect, key=str):
            findings += check_case(case_links(self.reader, case_id))
        findings += chain_findings + self.checkpoint_findings
        return VerifyReport(self.events, len(self.heads), self.sealed, findings)
