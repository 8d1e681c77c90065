"""The contract deadline job: revokes the status when contracts were not signed in time.

Within 90 calendar days of the award the scholar signs the contracts, or loses the status
(000 lines 36-45). The job reads the open contract deadlines from the ``deadlines`` read
model and, for every one that has passed (day 91 on), sends the ordinary ``revoke``
command. Its idempotency key is derived from the case, so however often the job runs or
restarts, each case is revoked once; a case whose contracts were signed meanwhile is
refused by the aggregate and left alone.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from uuid import UUID

from domain import commands as c
from domain.case.events import RevocationReason
from domain.case.meta import CommandContext, Role
from domain.clock import Clock
from domain.errors import DomainError
from infra import worker_runs
from infra.case_store import CaseService
from infra.observability import metrics
from projections.sql import ViewDatabase

log = logging.getLogger(__name__)
ACTOR = "contract-deadline-job"
REASON = "contracts not signed within 90 calendar days of the award (000 lines 36-45)"


@dataclass
class DeadlineRun:
    revoked: list[UUID] = field(default_factory=list)  # revoked by this run
    already: list[UUID] = field(default_factory=list)  # revoked before (a repeated run)
    refused: list[tuple[UUID, str]] = field(default_factory=list)  # e.g. signed meanwhile

    def summary(self) -> str:
        return (
            f"revoked {len(self.revoked)}, already revoked {len(self.already)},"
            f" refused {len(self.refused)}"
        )


class DeadlineJob:
    def __init__(self, service: CaseService, views: ViewDatabase, clock: Clock) -> None:
        self.service = service
        self.views = views
        self.clock = clock

    def overdue(self) -> list[UUID]:
        """Awarded cases whose contract deadline has passed with no contracts signed."""
        today = self.clock.today().isoformat()
        rows = self.views.query(
            "SELECT application_id FROM deadlines WHERE kind = 'contract' AND state = 'open'"
            " AND due_on < %s ORDER BY due_on, application_id",
            (today,),
        )
        return [UUID(r[0]) for r in rows]

    def run_once(self) -> DeadlineRun:
        run = DeadlineRun()
        for application_id in self.overdue():
            ctx = CommandContext(
                actor_id=ACTOR,
                role=Role.SYSTEM,
                idempotency_key=f"contract-deadline-revocation:{application_id}",
                occurred_on=self.clock.today(),
                reason=REASON,
            )
            command = c.Revoke(application_id, RevocationReason.CONTRACT_DEADLINE_MISSED)
            try:
                result = self.service.handle(command, ctx)
            except DomainError as e:
                run.refused.append((application_id, str(e)))
                log.info("not revoked %s: %s", application_id, e)
                continue
            (run.already if result.replayed else run.revoked).append(application_id)
        return run

    def run_recorded(self) -> DeadlineRun:
        """One run, recorded as the job's last (``infra/worker_runs.py``), failed or not."""
        try:
            run = self.run_once()
        except Exception as e:
            self._record(ok=False, outcome=f"failed: {type(e).__name__}")
            raise
        self._record(ok=True, outcome=run.summary())
        return run

    def follow(self, stop: threading.Event, interval: float = 60.0) -> None:
        """A pass every ``interval`` seconds until ``stop``; each pass counted
        (``bolashak_deadline_job_*``) and logged (at debug when it did nothing)."""
        metrics.deadline_job_started()
        while not stop.is_set():
            try:
                run = self.run_recorded()
            except Exception:
                metrics.deadline_run("failed")
                log.exception("deadline job run failed; trying again in %.0fs", interval)
            else:
                done = {
                    "revoked": len(run.revoked),
                    "already": len(run.already),
                    "refused": len(run.refused),
                }
                metrics.deadline_run("ok", done.items())
                level = logging.INFO if run.revoked or run.refused else logging.DEBUG
                log.log(level, "deadline job run", extra=done)
            stop.wait(interval)

    def _record(self, *, ok: bool, outcome: str) -> None:
        try:
            worker_runs.record(self.views, worker_runs.DEADLINES, ok=ok, outcome=outcome)
        except Exception:  # the store is down: the run's own error says so, or the next run
            log.warning("could not record the deadline job's run", exc_info=True)
