"""Reads of the read models: filters, sorting and keyset pagination, all parameterised.

Pages are keyset-based: the cursor carries the last row's sort value and id, so a page
costs the same at the start and deep into a million rows. Sort keys come from a fixed
list; user values only ever travel as parameters.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any
from uuid import UUID

from domain.case.personal import Sealer
from projections.audit_trail import AUDIT_TRAIL
from projections.case_list import (
    CASE_LIST,
    CASE_PII,
    KEYS_TABLE,
    PII_COLUMNS,
    identity_columns,
)
from projections.dashboard import DASHBOARD, FUNNEL, SCORES, WORK
from projections.deadlines import DEADLINES
from projections.interview_queue import INTERVIEW_QUEUE
from projections.officer_worklist import ITEMS, WORKLIST
from projections.sql import ViewDatabase

MAX_PAGE = 100
Row = dict[str, Any]


class QueryError(ValueError):
    """A user error in a query (bad cursor, page too large, unknown sort): shown as such."""

    def __init__(self, field_name: str, message: str) -> None:
        self.field = field_name
        super().__init__(f"{field_name}: {message}")


@dataclass(frozen=True)
class Page:
    items: list[Row]
    end_cursor: str | None
    has_next_page: bool
    cursors: list[str] = field(default_factory=list)  # one per item, for Relay edges


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
    join = ""
    if personal_data is not None:
        columns += list(_SEALED_COLUMNS)
        join = _personal_join(db)
    page = _keyset_page(
        db,
        select=f"SELECT {', '.join(columns)}, {sort_expr} FROM {CASE_LIST.name} c{join}",
        select_params=[],
        clauses=clauses,
        params=params,
        sort_expr=sort_expr,
        sort_params=[],
        id_column="c.application_id",
        cursor_kinds=(dict(CASE_LIST.columns)[column], "text"),
        descending=descending,
        first=first,
        after=after,
        names=[*CASE_LIST.column_names, *(_SEALED_NAMES if personal_data is not None else ())],
    )
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
            _text(f"filter.{f.name}", value)
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


def _text(field_name: str, value: str | None) -> str | None:
    """A text argument as it is; NUL is refused (PostgreSQL text cannot hold it, and no
    stored value has one)."""
    if value is not None and "\x00" in value:
        raise QueryError(field_name, "must not contain NUL characters")
    return value


def _like_prefix(text: str) -> str:
    """A LIKE pattern for values starting with ``text`` taken literally (``!`` escapes)."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


# -- dashboard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    campaign_year: int
    intake_window: int | None
    funnel: dict[str, int]
    awards_by_programme: dict[str, int]
    awards_by_category: dict[str, int]
    awards_target: int | None
    pass_rates: dict[str, float | None]
    average_scores: dict[str, float | None]
    average_final_score: float | None
    by_window: dict[int, dict[str, int]] = field(default_factory=dict)
    # the work the rules left to people: late documents, referrals, officers' decisions,
    # control tests
    work: dict[str, int] = field(default_factory=dict)


def dashboard(
    db: ViewDatabase, year: int, window: int | None = None, awards_target: int | None = None
) -> Dashboard:
    """The funnel of a campaign (and intake window): sums over the dashboard's rows, one
    per window, programme and category, added up column by column."""
    clauses, params = ["campaign_year = %s"], [year]
    if window is not None:
        clauses.append("intake_window = %s")
        params.append(window)
    sums = (*FUNNEL, "interview_sheets", *SCORES, "final_score_sum", "final_scores", *WORK)
    selected = ["intake_window", "programme", "category", *(f"COALESCE({c}, 0)" for c in sums)]
    rows = db.query(
        f"SELECT {', '.join(selected)} FROM {DASHBOARD.name} WHERE {' AND '.join(clauses)}",
        params,
    )
    total = _column_sums(rows, sums)
    funnel = {k: int(total[k]) for k in FUNNEL}
    windows: dict[int, list[tuple[Any, ...]]] = {}
    for r in rows:
        windows.setdefault(int(r[0]), []).append(r)
    awarded = 3 + FUNNEL.index("awarded")
    return Dashboard(
        campaign_year=year,
        intake_window=window,
        funnel=funnel,
        awards_by_programme=_sum_by(rows, 1, awarded),
        awards_by_category=_sum_by(rows, 2, awarded),
        awards_target=awards_target,
        pass_rates={
            "eligible_of_assessed": _ratio(funnel["eligible"], funnel["assessed"]),
            "interviewed_of_tested": _ratio(funnel["interviewed"], funnel["tested"]),
            "awarded_of_decided": _ratio(funnel["awarded"], funnel["awarded"] + funnel["refused"]),
            "contracted_of_awarded": _ratio(funnel["contracted"], funnel["awarded"]),
        },
        average_scores={
            s.removeprefix("score_"): _ratio(total[s], total["interview_sheets"]) for s in SCORES
        },
        average_final_score=_ratio(total["final_score_sum"], total["final_scores"]),
        by_window={
            w: {k: int(v) for k, v in _column_sums(windows[w], FUNNEL).items()}
            for w in sorted(windows)
        },
        work={k: int(total[k]) for k in WORK},
    )


def _column_sums(rows: list[tuple[Any, ...]], names: tuple[str, ...]) -> dict[str, float]:
    """Sums of the columns after the three dimensions, by name (zeros for no rows)."""
    if not rows:
        return dict.fromkeys(names, 0)
    columns = list(zip(*rows, strict=True))[3 : 3 + len(names)]
    return {name: sum(column) for name, column in zip(names, columns, strict=True)}


def _sum_by(rows: list[tuple[Any, ...]], dimension: int, column: int) -> dict[str, int]:
    totals: dict[str, int] = {}
    for r in rows:
        totals[r[dimension]] = totals.get(r[dimension], 0) + int(r[column])
    return {k: v for k, v in sorted(totals.items()) if v}


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


# -- deadlines, interview queue, audit trail ---------------------------------------------


def deadlines(
    db: ViewDatabase,
    today: date,
    *,
    kind: str | None = None,
    state: str | None = "open",
    overdue_only: bool = False,
    first: int = 20,
    after: str | None = None,
) -> Page:
    clauses, params = _equal({"d.kind": _text("kind", kind), "d.state": _text("state", state)})
    if overdue_only:
        clauses.append("d.due_on < %s")
        params.append(today.isoformat())
    page = _keyset_page(
        db,
        select=f"SELECT {', '.join('d.' + n for n in DEADLINES.column_names)}, d.due_on"
        f" FROM {DEADLINES.name} d",
        select_params=[],
        clauses=clauses,
        params=params,
        sort_expr="d.due_on",
        sort_params=[],
        id_column="d.application_id || d.kind",
        cursor_kinds=("text", "text"),
        descending=False,
        first=first,
        after=after,
        names=list(DEADLINES.column_names),
    )
    for row in page.items:
        due = date.fromisoformat(row["due_on"])
        row["days_left"] = (due - today).days
        row["overdue"] = row["state"] == "open" and today > due
    return page


def officer_worklist(
    db: ViewDatabase, *, item: str | None = None, first: int = 20, after: str | None = None
) -> Page:
    """What waits for an officer, oldest first: referrals the rules did not decide
    ("review") and packages missing documents ("documents")."""
    if item is not None and item not in ITEMS:
        raise QueryError("item", f"must be one of {', '.join(ITEMS)}")
    clauses, params = _equal({"w.item": item})
    return _keyset_page(
        db,
        select=f"SELECT {', '.join('w.' + n for n in WORKLIST.column_names)}, w.since"
        f" FROM {WORKLIST.name} w",
        select_params=[],
        clauses=clauses,
        params=params,
        sort_expr="w.since",
        sort_params=[],
        id_column="w.application_id || w.item",
        cursor_kinds=("text", "text"),
        descending=False,
        first=first,
        after=after,
        names=list(WORKLIST.column_names),
    )


def interview_queue(
    db: ViewDatabase, *, slot_on: date | None = None, first: int = 20, after: str | None = None
) -> Page:
    clauses, params = ["q.queued = 1"], []
    if slot_on is not None:
        clauses.append("q.slot_at >= %s AND q.slot_at < %s")
        params += [slot_on.isoformat(), date.fromordinal(slot_on.toordinal() + 1).isoformat()]
    return _keyset_page(
        db,
        select=f"SELECT {', '.join('q.' + n for n in INTERVIEW_QUEUE.column_names)},"
        f" q.slot_at FROM {INTERVIEW_QUEUE.name} q",
        select_params=[],
        clauses=clauses,
        params=params,
        sort_expr="q.slot_at",
        sort_params=[],
        id_column="q.application_id",
        cursor_kinds=("text", "text"),
        descending=False,
        first=first,
        after=after,
        names=list(INTERVIEW_QUEUE.column_names),
    )


@dataclass(frozen=True)
class AuditFilter:
    application_id: str | None = None
    actor_id: str | None = None
    event_type: str | None = None
    recorded_from: str | None = None  # ISO date or date-time, inclusive
    recorded_to: str | None = None  # ISO date or date-time, exclusive


def audit_trail(
    db: ViewDatabase, where: AuditFilter | None = None, *, first: int = 20, after: str | None = None
) -> Page:
    w = where or AuditFilter()
    clauses, params = _equal(
        {
            "a.application_id": w.application_id,
            "a.actor_id": _text("filter.actorId", w.actor_id),
            "a.event_type": _text("filter.eventType", w.event_type),
        }
    )
    if w.recorded_from:
        clauses.append("a.recorded_at >= %s")
        params.append(w.recorded_from)
    if w.recorded_to:
        clauses.append("a.recorded_at < %s")
        params.append(w.recorded_to)
    return _keyset_page(
        db,
        select=f"SELECT {', '.join('a.' + n for n in AUDIT_TRAIL.column_names)},"
        f" a.position FROM {AUDIT_TRAIL.name} a",
        select_params=[],
        clauses=clauses,
        params=params,
        sort_expr="a.position",
        sort_params=[],
        id_column="a.position",
        cursor_kinds=("int", "int"),
        descending=False,
        first=first,
        after=after,
        names=list(AUDIT_TRAIL.column_names),
    )


def _equal(pairs: dict[str, Any]) -> tuple[list[str], list[Any]]:
    clauses = [f"{column} = %s" for column, value in pairs.items() if value is not None]
    return clauses, [value for value in pairs.values() if value is not None]


# -- keyset pagination -------------------------------------------------------------------


def _keyset_page(
    db: ViewDatabase,
    *,
    select: str,
    select_params: list[Any],
    clauses: list[str],
    params: list[Any],
    sort_expr: str,
    sort_params: list[Any],
    id_column: str,
    cursor_kinds: tuple[str, str],
    descending: bool,
    first: int,
    after: str | None,
    names: list[str],
) -> Page:
    """A page of ``first`` rows after the cursor ``after``; ``cursor_kinds``: the column
    kinds ("text", "int", "float") of the sort value and of the id a cursor carries."""
    if not 1 <= first <= MAX_PAGE:
        raise QueryError("first", f"must be between 1 and {MAX_PAGE}")
    clauses, params = list(clauses), list(params)
    if after is not None:
        sort_value, last_id = decode_cursor(after, cursor_kinds)
        op = "<" if descending else ">"
        clauses.append(f"({sort_expr}, {id_column}) {op} (%s, %s)")
        params += [*sort_params, sort_value, last_id]
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    order = "DESC" if descending else "ASC"
    sql = f"{select}{where} ORDER BY {sort_expr} {order}, {id_column} {order} LIMIT %s"
    rows = db.query(sql, [*select_params, *params, *sort_params, first + 1])
    items = [dict(zip(names, r[: len(names)], strict=True)) for r in rows[:first]]
    cursors = [
        encode_cursor(r[len(names)], _row_id(item, id_column))
        for r, item in zip(rows, items, strict=False)
    ]
    return Page(items, cursors[-1] if cursors else None, len(rows) > first, cursors)


def _row_id(item: Row, id_column: str) -> Any:
    if "||" in id_column:
        return "".join(str(item[c.strip().split(".")[1]]) for c in id_column.split("||"))
    return item[id_column.split(".")[1]]


def encode_cursor(sort_value: Any, row_id: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([sort_value, row_id]).encode()).decode()


def decode_cursor(cursor: str, kinds: tuple[str, str]) -> tuple[Any, Any]:
    """The sort value and id of a cursor, each of its column's kind: a cursor made up by
    hand is refused here as a user error, never passed on for the database to reject."""
    try:
        value, row_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        raise QueryError("after", "is not a cursor this query returned") from None
    if not (_of_kind(value, kinds[0]) and _of_kind(row_id, kinds[1])):
        raise QueryError("after", "is not a cursor this query returned")
    return value, row_id


def _of_kind(value: Any, kind: str) -> bool:
    if isinstance(value, bool):
        return False
    if kind == "text":
        return isinstance(value, str) and "\x00" not in value
    if kind == "int":
        return isinstance(value, int) and -(2**63) <= value < 2**63
    return (isinstance(value, float) and math.isfinite(value)) or (
        isinstance(value, int) and abs(value) < 2**53
    )
