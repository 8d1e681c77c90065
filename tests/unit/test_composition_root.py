"""One composition root (issue 21): the services, connections and workers a process holds
are built in ``infra/container.py`` from one ``Settings``, and received everywhere else."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILT_BY_THE_ROOT = {
    "CaseService",
    "CaseEvents",
    "ViewDatabase",
    "ProjectionEngine",
    "Relay",
    "DeadlineJob",
    "InProcessWorkers",
    "CaseStatusConsumer",
}


def constructions(path: Path) -> set[str]:
    """The classes of ``BUILT_BY_THE_ROOT`` that ``path`` calls."""
    called = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in BUILT_BY_THE_ROOT:
                called.add(name)
    return called


def test_services_connections_and_workers_are_built_by_the_composition_root_only() -> None:
    builders = {
        str(path.relative_to(ROOT)): sorted(found)
        for layer in ("domain", "projections", "infra", "api")
        for path in (ROOT / layer).rglob("*.py")
        if (found := constructions(path))
    }
    assert list(builders) == ["infra/container.py"]
    assert builders["infra/container.py"] == sorted(BUILT_BY_THE_ROOT)
