"""Compare read-model tables in the database with the plain fold over the same events."""

from __future__ import annotations

from typing import Any

from infra.container import build_projection_engine
from infra.settings import Settings
from projections.base import Projection, fold
from projections.engine import ProjectionEngine
from projections.rows import MemoryRows
from projections.schema import Table

Snapshot = dict[str, list[tuple[Any, ...]]]


def catch_up(settings: Settings) -> None:
    """Brings every read model of the store up to the head of the log."""
    engine = build_projection_engine(settings)
    try:
        engine.run_until_head()
    finally:
        engine.db.close()


def normalise(table: Table, row: dict[str, Any]) -> tuple[Any, ...]:
    values = []
    for name, kind in table.columns:
        value = row.get(name)
        if value is not None and kind == "int":
            value = int(value)
        elif value is not None and kind == "float":
            value = round(float(value), 6)
        values.append(value)
    return tuple(values)


def database_snapshot(
    engine: ProjectionEngine, projections: list[Projection] | None = None
) -> Snapshot:
    snapshot: Snapshot = {}
    for projection in projections or engine.projections:
        for table in projection.tables:
            rows = engine.db.query(f"SELECT {', '.join(table.column_names)} FROM {table.name}")
            snapshot[table.name] = sorted(
                (normalise(table, dict(zip(table.column_names, r, strict=True))) for r in rows),
                key=repr,
            )
    return snapshot


def fold_snapshot(
    engine: ProjectionEngine, projections: list[Projection] | None = None
) -> Snapshot:
    """The plain fold: every stored event, in log order, through each projection."""
    notifications = engine.db.read_log(0, 10**7)
    events = [(n.id, engine.reader.mapper.to_domain_event(n)) for n in notifications]
    snapshot: Snapshot = {}
    for projection in projections or engine.projections:
        rows = MemoryRows()
        fold(projection, events, rows)  # type: ignore[arg-type]
        for table in projection.tables:
            found = [*rows.tables[table.name].values(), *rows.appended[table.name]]
            snapshot[table.name] = sorted((normalise(table, r) for r in found), key=repr)
    return snapshot
