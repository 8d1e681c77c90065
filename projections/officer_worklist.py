"""The officer's worklist: what waits for a person.

* ``review``: a case the rules did not decide (``ReferredToOfficer``): the step, why, the
  rulesets tried; it leaves the list when an officer decides (or the case ends).
* ``documents``: a case whose package misses documents (``DocumentsChecked``): which ones;
  it leaves the list when they are presented, or when the case goes past testing or ends.

No personal data: the applicant code stands for the applicant.
"""

from __future__ import annotations

from collections.abc import Iterable

from typing_extensions import override

from domain.case import events as ev
from domain.case.stage import Stage
from projections.base import Projection, case_key
from projections.case_header import header, header_of, header_table
from projections.rows import Key, Row, Rows
from projections.schema import Table

WORKLIST = Table(
    "officer_worklist",
    columns=(
        ("application_id", "text"),
        ("item", "text"),
        ("applicant_code", "text"),
        ("programme", "text"),
        ("category", "text"),
        ("stage", "text"),
        ("step", "text"),
        ("reason", "text"),
        ("rulesets_tried", "text"),
        ("missing_documents", "text"),
        ("since", "text"),
    ),
    key=("application_id", "item"),
    indexes=(("item", "since", "application_id"),),
)
WORKLIST_CASES = header_table("officer_worklist_cases")
REVIEW, DOCUMENTS = "review", "documents"
ITEMS = (REVIEW, DOCUMENTS)
REVIEW_STAGES = frozenset({Stage.ELIGIBILITY_REVIEW, Stage.SCHOLAR_REVIEW})
# a missing document matters until testing: the package is complete before it
BEFORE_TESTING = frozenset({Stage.SUBMITTED, Stage.ELIGIBILITY_REVIEW, Stage.ELIGIBLE})


class OfficerWorklistProjection(Projection):
    name = "officer_worklist"
    tables = (WORKLIST, WORKLIST_CASES)
    handles = ev.EVENT_TYPES

    @override
    def keys(self, event: ev.CaseEvent) -> Iterable[tuple[Table, Key]]:
        case_id = case_key(event)
        return [(WORKLIST_CASES, (case_id,)), *((WORKLIST, (case_id, i)) for i in ITEMS)]

    @override
    def apply(self, rows: Rows, event: ev.CaseEvent, position: int) -> None:
        case_id, on = case_key(event), event.meta.occurred_on.isoformat()
        match event:
            case ev.Submitted():
                rows.put(WORKLIST_CASES, header_of(case_id, event))
            case ev.ReferredToOfficer():
                row = _item(rows, case_id, REVIEW, event.resulting_stage, on)
                row.update(
                    step=event.step,
                    reason=event.reason,
                    rulesets_tried=", ".join(event.rulesets_tried),
                )
                rows.put(WORKLIST, row)
            case ev.DocumentsChecked() if event.missing:
                existing = rows.get(WORKLIST, (case_id, DOCUMENTS))
                stage = Stage(existing["stage"]) if existing else Stage.SUBMITTED
                row = existing or _item(rows, case_id, DOCUMENTS, stage, on)
                row["missing_documents"] = ", ".join(d.value for d in event.missing)
                rows.put(WORKLIST, row)
            case ev.DocumentsChecked():
                rows.delete(WORKLIST, (case_id, DOCUMENTS))
        after = event.stage_after()
        if after is not None:
            _moved(rows, case_id, after)


def _moved(rows: Rows, case_id: str, stage: Stage) -> None:
    """The case is in ``stage`` now: its items follow, or leave the list."""
    for item, stays in ((REVIEW, REVIEW_STAGES), (DOCUMENTS, BEFORE_TESTING)):
        row = rows.get(WORKLIST, (case_id, item))
        if row is None:
            continue
        if stage in stays:
            row["stage"] = stage.value
            rows.put(WORKLIST, row)
        else:
            rows.delete(WORKLIST, (case_id, item))


def _item(rows: Rows, case_id: str, item: str, stage: Stage, since: str) -> Row:
    return {
        "application_id": case_id,
        "item": item,
        **header(rows, WORKLIST_CASES, case_id),
        "stage": stage.value,
        "step": None,
        "reason": None,
        "rulesets_tried": None,
        "missing_documents": None,
        "since": since,
    }
