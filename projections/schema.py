"""Read-model tables: declared once, created in either dialect, rebuilt under another name.

Values are kept portable: text (dates as ISO text, which sorts as dates do), integers
(booleans as 0/1) and floating-point numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def index_suffix(index: tuple[str, ...]) -> str:
    """A name for an index over columns or expressions, e.g. ``coalesce_due_application_id``."""
    return re.sub(r"[^a-z0-9]+", "_", "_".join(index).lower()).strip("_")


TYPES = {"text": "TEXT", "int": "BIGINT", "float": "DOUBLE PRECISION"}
REBUILD_SUFFIX = "__rebuild"
RETIRED_SUFFIX = "__retired"


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, "text" | "int" | "float")
    key: tuple[str, ...]  # primary key columns; () for an append-only table with a serial id
    indexes: tuple[tuple[str, ...], ...] = ()
    # Every column outside the key is a sum: rows of one key folded apart (a rebuild's
    # partitions of the cases) add up to the row of the whole log.
    additive: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def physical(self, suffix: str = "") -> str:
        return self.name + suffix

    def create_statements(
        self, dialect: str, suffix: str = "", *, with_indexes: bool = True
    ) -> list[str]:
        table = self.physical(suffix)
        columns = [f"{name} {TYPES[kind]}" for name, kind in self.columns]
        if self.key:
            columns.append(f"PRIMARY KEY ({', '.join(self.key)})")
        else:
            serial = "BIGSERIAL" if dialect == "postgres" else "INTEGER"
            columns.insert(0, f"row_id {serial} PRIMARY KEY")
        statements = [f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(columns)})"]
        return statements + (self.index_statements(suffix) if with_indexes else [])

    def index_statements(self, suffix: str = "") -> list[str]:
        table = self.physical(suffix)
        return [
            f"CREATE INDEX IF NOT EXISTS {table}__{index_suffix(index)}"
            f" ON {table} ({', '.join(index)})"
            for index in self.indexes
        ]

    def drop_statement(self, suffix: str = "") -> str:
        return f"DROP TABLE IF EXISTS {self.physical(suffix)}"

    def rename_statements(self, from_suffix: str, to_suffix: str, dialect: str) -> list[str]:
        """Renames the table and its indexes (index names carry the table's name)."""
        old, new = self.physical(from_suffix), self.physical(to_suffix)
        statements = [f"ALTER TABLE {old} RENAME TO {new}"]
        if dialect == "postgres":
            for index in self.indexes:
                cols = index_suffix(index)
                statements.append(f"ALTER INDEX {old}__{cols} RENAME TO {new}__{cols}")
        return statements

    def sqlite_index_statements(self, suffix: str) -> list[str]:
        """SQLite keeps index names on rename: recreate them under the table's new name."""
        table = self.physical(suffix)
        statements = []
        for index in self.indexes:
            cols = index_suffix(index)
            statements.append(f"DROP INDEX IF EXISTS {self.name}{REBUILD_SUFFIX}__{cols}")
            statements.append(
                f"CREATE INDEX IF NOT EXISTS {table}__{cols} ON {table} ({', '.join(index)})"
            )
        return statements
