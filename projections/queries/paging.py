"""Keyset pagination over the read models, all parameterised.

Pages are keyset-based: the cursor carries the last row's sort value and id, so a page
costs the same at the start and deep into a million rows. Sort keys come from a fixed
list; user values only ever travel as parameters.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, field
from typing import Any

from projections.schema import Table
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
class Listing:
    """What a keyset page reads: the statement up to its ``WHERE`` (its last column the
    sort value), the names of the columns a row has, the sort expression, the row's id
    (one column, or columns joined by ``||``) and the kinds ("text", "int", "float") of the
    sort value and of the id a cursor carries."""

    select: str
    names: tuple[str, ...]
    sort_expr: str
    id_column: str
    cursor_kinds: tuple[str, str] = ("text", "text")

    @classmethod
    def of(
        cls, table: Table, alias: str, sort: str, ids: tuple[str, ...], kinds: tuple[str, str]
    ) -> Listing:
        """A read model's rows, in the order of one of its columns."""
        columns = ", ".join(f"{alias}.{n}" for n in table.column_names)
        return cls(
            select=f"SELECT {columns}, {alias}.{sort} FROM {table.name} {alias}",
            names=table.column_names,
            sort_expr=f"{alias}.{sort}",
            id_column=" || ".join(f"{alias}.{column}" for column in ids),
            cursor_kinds=kinds,
        )

    def page(
        self,
        db: ViewDatabase,
        where: tuple[list[str], list[Any]],
        *,
        first: int,
        after: str | None,
        descending: bool = False,
    ) -> Page:
        """A page of ``first`` rows matching ``where`` (its clauses and their parameters)
        after the cursor ``after``."""
        if not 1 <= first <= MAX_PAGE:
            raise QueryError("first", f"must be between 1 and {MAX_PAGE}")
        clauses, params = list(where[0]), list(where[1])
        if after is not None:
            sort_value, last_id = decode_cursor(after, self.cursor_kinds)
            op = "<" if descending else ">"
            clauses.append(f"({self.sort_expr}, {self.id_column}) {op} (%s, %s)")
            params += [sort_value, last_id]
        condition = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        order = "DESC" if descending else "ASC"
        rows = db.query(
            f"{self.select}{condition} ORDER BY {self.sort_expr} {order},"
            f" {self.id_column} {order} LIMIT %s",
            [*params, first + 1],
        )
        width = len(self.names)
        items = [dict(zip(self.names, r[:width], strict=True)) for r in rows[:first]]
        cursors = [
            encode_cursor(r[width], self._row_id(item))
            for r, item in zip(rows, items, strict=False)
        ]
        return Page(items, cursors[-1] if cursors else None, len(rows) > first, cursors)

    def _row_id(self, item: Row) -> Any:
        if "||" in self.id_column:
            return "".join(str(item[c.strip().split(".")[1]]) for c in self.id_column.split("||"))
        return item[self.id_column.split(".")[1]]


def equal(pairs: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """``column = value`` clauses for the pairs whose value is given."""
    clauses = [f"{column} = %s" for column, value in pairs.items() if value is not None]
    return clauses, [value for value in pairs.values() if value is not None]


def text(field_name: str, value: str | None) -> str | None:
    """A text argument as it is; NUL is refused (PostgreSQL text cannot hold it, and no
    stored value has one)."""
    if value is not None and "\x00" in value:
        raise QueryError(field_name, "must not contain NUL characters")
    return value


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
