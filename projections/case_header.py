"""The few facts of a case that several read models repeat on their rows (applicant code,
programme, category): remembered per case from its submission, in a table of the read
model's own (a projection reads only its own tables)."""

from __future__ import annotations

from domain.case import events as ev
from projections.rows import Row, Rows
from projections.schema import Table

HEADER_COLUMNS = ("applicant_code", "programme", "category")


def header_table(name: str) -> Table:
    return Table(
        name,
        columns=(("application_id", "text"), *((c, "text") for c in HEADER_COLUMNS)),
        key=("application_id",),
    )


def header_of(case_id: str, event: ev.Submitted) -> Row:
    return {
        "application_id": case_id,
        "applicant_code": event.applicant_code,
        "programme": event.plan.programme.value,
        "category": event.plan.category.value,
    }


def header(rows: Rows, table: Table, case_id: str) -> Row:
    """The case's header columns (None each when its submission was not seen)."""
    found = rows.get(table, (case_id,)) or {}
    return {c: found.get(c) for c in HEADER_COLUMNS}
