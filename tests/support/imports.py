"""What a module imports, read from its source with ``ast`` (the import checks of
``tests/unit/test_import_direction.py`` and ``tests/unit/test_domain_is_pure.py``)."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path


def imported(source: str, filename: str = "<source>") -> set[str]:
    """Every module ``source`` imports by absolute name, wherever the import stands (at
    the top, in a function, under ``TYPE_CHECKING``); ``from a import b`` counts as ``a``
    and ``a.b``, which may be a module."""
    return _names(ast.walk(ast.parse(source, filename)))


def imported_when_loaded(path: Path) -> set[str]:
    """The modules the file at ``path`` imports when it is loaded: at its top level, not
    for type checking only, not inside a function."""
    return _names(ast.parse(path.read_text(encoding="utf-8"), str(path)).body)


def _names(nodes: Iterable[ast.AST]) -> set[str]:
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imported_by(path: Path) -> set[str]:
    """Every module the file at ``path`` imports (``imported``)."""
    return imported(path.read_text(encoding="utf-8"), str(path))
