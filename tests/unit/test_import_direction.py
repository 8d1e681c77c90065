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

from tests.support.imports import imported_by

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
