"""Reads of the read models: filters, sorting and keyset pagination, all parameterised
(``paging``), for the case list (``cases``), the dashboard (``dashboard``) and the lists
officers work through (``worklists``)."""

from projections.queries.cases import CASE_SORTS, CaseFilter, cases_of_iin, get_case_row, list_cases
from projections.queries.dashboard import Dashboard, dashboard
from projections.queries.paging import (
    MAX_PAGE,
    Page,
    QueryError,
    Row,
    decode_cursor,
    encode_cursor,
)
from projections.queries.worklists import (
    AuditFilter,
    audit_trail,
    deadlines,
    interview_queue,
    officer_worklist,
)

__all__ = [
    "CASE_SORTS",
    "MAX_PAGE",
    "AuditFilter",
    "CaseFilter",
    "Dashboard",
    "Page",
    "QueryError",
    "Row",
    "audit_trail",
    "cases_of_iin",
    "dashboard",
    "deadlines",
    "decode_cursor",
    "encode_cursor",
    "get_case_row",
    "interview_queue",
    "list_cases",
    "officer_worklist",
]
