"""The case list: filters, sorts, one case's row, and the applicant's identity opened
for the roles that see it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any
from uuid import UUID

from domain.case.personal import Sealer
from projections.case_list import (
    CASE_LIST,
    CASE_PII,
    KEYS_TABLE,
    PII_COLUMNS,
    identity_columns,
)
from projections.queries.paging import Listing, Page, QueryError, Row, text
from projections.sql import ViewDatabase


@dataclass(frozen=True)
class CaseFilter:
    stage: str | None = None
    status: str | None = None
    programme: str | None = None
    category: str | None = None
    country: str | None = None
    institution: str | None = None
    specialty: str | None = None
    direction: str | None = None
    language: str | None = None
    campaign_year: int | None = None
    intake_window: int | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    code: str | None = None  # applicant code, or its beginning


# Sort keys: the column, and for a column that may be empty the value it sorts as (an
# index on that same expression keeps the page cheap).
CASE_SORTS: dict[str, tuple[str, Any]] = {
    "submitted_on": ("submitted_on", None),
    "applicant_code": ("applicant_code", None),
    "stage": ("stage", None),
    "last_event_on": ("last_event_on", None),
    "updated_at": ("updated_at", None),
    "contract_deadline": ("contract_deadline", ""),
    "interview_score": ("interview_score", -1.0),
}


def list_cases(
    db: ViewDatabase,
    where: CaseFilter | None = None,
    *,
    sort: str = "submitted_on",
    descending: bool = False,
    first: int = 20,
    after: str | None = None,
    personal_data: Sealer | None = None,
) -> Page:
    """A page of the case list; with ``personal_data`` (the store's sealer), each row also
    has the applicant's identity (``PII_COLUMNS``; None once erased)."""
    if sort not in CASE_SORTS:
        raise QueryError("sort", f"must be one of {', '.join(CASE_SORTS)}")
    column, null_as = CASE_SORTS[sort]
    sort_expr = f"c.{column}" if null_as is None else f"COALESCE(c.{column}, {null_as!r})"
    clauses, params = _case_filter(where or CaseFilter())
    columns = [f"c.{name}" for name in CASE_LIST.column_names]
    names = CASE_LIST.column_names
    join = ""
    if personal_data is not None:
        columns += list(_SEALED_COLUMNS)
        names += _SEALED_NAMES
        join = _personal_join(db)
    listing = Listing(
        select=f"SELECT {', '.join(columns)}, {sort_expr} FROM {CASE_LIST.name} c{join}",
        names=names,
        sort_expr=sort_expr,
        id_column="c.application_id",
        cursor_kinds=(dict(CASE_LIST.columns)[column], "text"),
    )
    page = listing.page(db, (clauses, params), first=first, after=after, descending=descending)
    if personal_data is not None:
        for item in page.items:
            _open_identity(item, personal_data)
    return page


def get_case_row(
    db: ViewDatabase, application_id: str, *, personal_data: Sealer | None = None
) -> Row | None:
    """One case's row; with ``personal_data``, with the identity as ``list_cases`` has it."""
    columns = [f"c.{n}" for n in CASE_LIST.column_names]
    names = list(CASE_LIST.column_names)
    join = ""
    if personal_data is not None:
        columns += _SEALED_COLUMNS
        names += _SEALED_NAMES
        join = _personal_join(db)
    rows = db.query(
        f"SELECT {', '.join(columns)} FROM {CASE_LIST.name} c{join} WHERE c.application_id = %s",
        (application_id,),
    )
    if not rows:
        return None
    row = dict(zip(names, rows[0], strict=True))
    if personal_data is not None:
        _open_identity(row, personal_data)
    return row


# The sealed identity and the case's wrapped data key, read in one statement: a key
# destroyed by an erasure in any process is NULL here at once, whatever keys this
# process has cached.
_SEALED_COLUMNS = ("p.sealed", "k.wrapped")
_SEALED_NAMES = ("sealed", "wrapped")


def _personal_join(db: ViewDatabase) -> str:
    case_id = "p.application_id::uuid" if db.dialect == "postgres" else "p.application_id"
    return (
        f" LEFT JOIN {CASE_PII.name} p ON p.application_id = c.application_id"
        f" LEFT JOIN {KEYS_TABLE} k ON k.application_id = {case_id}"
    )


def _open_identity(row: Row, sealer: Sealer) -> None:
    """Replaces a row's sealed identity and wrapped key by the identity's columns (None
    when there is none, or its key was destroyed)."""
    sealed, wrapped = row.pop("sealed"), row.pop("wrapped")
    plaintext = None
    if sealed is not None and wrapped is not None:
        plaintext = sealer.open_with_key(UUID(row["application_id"]), bytes(wrapped), sealed)
    row.update(identity_columns(plaintext) if plaintext is not None else _NO_IDENTITY)


_NO_IDENTITY: Row = dict.fromkeys(PII_COLUMNS)


def cases_of_iin(db: ViewDatabase, sealer: Sealer, iin: str) -> list[str]:
    """The ids of the cases whose applicant has this IIN (by its keyed digest), erased
    ones excepted."""
    rows = db.query(
        f"SELECT application_id FROM {CASE_PII.name} WHERE iin_digest = %s ORDER BY 1",
        (sealer.digest(iin),),
    )
    return [str(row[0]) for row in rows]


def _case_filter(where: CaseFilter) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for f in fields(CaseFilter):
        value = getattr(where, f.name)
        if value is None:
            continue
        if isinstance(value, str):
            text(f"filter.{f.name}", value)
        if f.name == "submitted_from":
            clauses.append("c.submitted_on >= %s")
            params.append(value.isoformat())
        elif f.name == "submitted_to":
            clauses.append("c.submitted_on <= %s")
            params.append(value.isoformat())
        elif f.name == "code":
            clauses.append("c.applicant_code LIKE %s ESCAPE '!'")
            params.append(_like_prefix(str(value).upper()))
        else:
            clauses.append(f"c.{f.name} = %s")
            params.append(value)
    return clauses, params


def _like_prefix(text: str) -> str:
    """A LIKE pattern for values starting with ``text`` taken literally (``!`` escapes)."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
