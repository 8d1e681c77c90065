"""The arrows between the layers point down: api -> infra -> projections -> domain (issue 21).

The entry points (the ``bolashak`` CLI under ``api/cli/`` and the ASGI app ``api/app.py``)
sit on top and may import anything; nothing below imports a layer above its own, whether
at the top of a module, inside a function or for type checking only. The read models get
what they need of the settings as a value of their own (``projections.sql.ViewConfig``),
built by the composition root (``infra/container.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.imports import imported_by, imported_when_loaded

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("domain", "projections", "infra", "api")  # from the bottom up


@pytest.mark.parametrize("layer", LAYERS[:-1])
def test_no_module_imports_a_layer_above_its_own(layer: str) -> None:
    above = set(LAYERS[LAYERS.index(layer) + 1 :])
    upward = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / layer).rglob("*.py")
        for name in imported_by(path)
        if name.split(".")[0] in above
    )
    assert upward == []


def test_the_check_sees_the_arrows_the_entry_points_draw() -> None:
    """The control: the ASGI app and the CLI import the composition root below them."""
    assert "infra.container" in imported_by(ROOT / "api" / "app.py")
    assert "infra.container" in imported_by(ROOT / "api" / "cli" / "serve.py")
    assert any(name.startswith("api.") for name in imported_by(ROOT / "api" / "cli" / "serve.py"))


def _module_graph() -> dict[str, set[str]]:
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
        for layer in LAYERS
        for path in (ROOT / layer).rglob("*.py")
    }
    return {
        name: {n for n in imported_when_loaded(path) if n in modules and n != name}
        for name, path in modules.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for after in graph[node]:
            if after not in index:
                visit(after)
                low[node] = min(low[node], low[after])
            elif after in stack:
                low[node] = min(low[node], index[after])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_two_modules_import_each_other_when_loaded() -> None:
    assert _cycles(_module_graph()) == []


def test_the_cycle_check_sees_a_cycle_and_the_imports_a_module_makes() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert {"api.users", "api.view_pool"} <= _module_graph()["api.context"]
