"""The log of a service as ``(position, event)`` pairs, and the plain fold of a projection
over it into ``MemoryRows``: given these events, these rows."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from domain.case.events import CaseEvent
from domain.submission import ApplicantIdentity
from infra.case_store import CaseService
from projections.base import Projection, fold
from projections.rows import MemoryRows, Row
from projections.schema import Table
from tests.support import builders as b

# A second applicant whose personal data is easy to tell from anything else in a row.
DISTINCT = b.applicant(
    full_name="Zhumabayeva Saule Nurlanovna",
    email="saule.zhumabayeva@example.kz",
    phone="+77059876543",
)


def logged(service: CaseService) -> list[tuple[int, CaseEvent]]:
    """Every case event of the store, in log order, with its position (notification id);
    the campaigns' quota ledgers' events, beside them in the log, are no case's."""
    return [(p, e) for p, e in every_event(service) if isinstance(e, CaseEvent)]


def every_event(service: CaseService) -> list[tuple[int, CaseEvent]]:
    """Every event of the log, the quota ledgers' too (a projection folds those it
    handles)."""
    notes = service.recorder.select_notifications(start=1, limit=10**6)
    return [(n.id, service.mapper.to_domain_event(n)) for n in notes]  # type: ignore[misc]


def project(projection: Projection, service: CaseService) -> MemoryRows:
    """The plain fold of ``projection`` over the whole log of ``service``."""
    rows = MemoryRows()
    fold(projection, every_event(service), rows)
    return rows


def step_by_step(
    projection: Projection, service: CaseService
) -> Iterator[tuple[int, CaseEvent, MemoryRows]]:
    """The fold one event at a time: the rows as they stand after each event of the log."""
    rows = MemoryRows()
    for position, event in logged(service):
        fold(projection, [(position, event)], rows)
        yield position, event, rows


def row_of(rows: MemoryRows, table: Table, case_id: UUID) -> Row:
    """The one row of ``table`` keyed by the case's id (fails when there is none)."""
    found = rows.tables[table.name].get((str(case_id),))
    assert found is not None, f"no {table.name} row for case {case_id}"
    return found


def all_rows(rows: MemoryRows, table: Table) -> list[Row]:
    return list(rows.tables[table.name].values())


def personal_values(applicant: ApplicantIdentity) -> tuple[str, ...]:
    """Name (and each part of it), IIN, birth date, e-mail and phone, as text."""
    return (
        applicant.full_name,
        *applicant.full_name.split(),
        applicant.iin,
        applicant.birth_date.isoformat(),
        applicant.email,
        applicant.phone,
    )


def leaks(row: Row, applicant: ApplicantIdentity) -> list[tuple[str, str]]:
    """(column, personal value) for every column whose value contains personal data."""
    found: list[tuple[str, str]] = []
    for column, value in row.items():
        text = str(value)
        found.extend((column, p) for p in personal_values(applicant) if p in text)
    return found
