"""domain/ imports no infrastructure (issue 21): not the layers above it, not the event
store's persistence, application or system modules, no codec or database driver.

The aggregate may use the library's domain classes (``eventsourcing.domain``) and its
topics (``eventsourcing.utils``). Every import counts: at the top of a module, inside a
function, or for type checking only.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.imports import imported

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = (
    "api",
    "infra",
    "projections",
    "eventsourcing.persistence",
    "eventsourcing.application",
    "eventsourcing.system",
    "eventsourcing.postgres",
    "eventsourcing.sqlite",
    "eventsourcing.popo",
    "msgspec",
    "psycopg",
    "sqlite3",
    "kafka",
)


def refused(source: str, filename: str = "<source>") -> list[str]:
    """The imports of ``source`` that the domain may not make."""
    return sorted(
        name
        for name in imported(source, filename)
        if any(name == bad or name.startswith(f"{bad}.") for bad in FORBIDDEN)
    )


def test_no_domain_module_imports_infrastructure() -> None:
    found = {
        str(path.relative_to(ROOT)): refused(path.read_text(encoding="utf-8"), str(path))
        for path in sorted((ROOT / "domain").rglob("*.py"))
    }
    assert {path: names for path, names in found.items() if names} == {}


def test_the_check_sees_every_kind_of_import() -> None:
    """The control: imports it must refuse, at the top, in a function, for typing only."""
    source = """
from typing import TYPE_CHECKING
import msgspec.json
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

if TYPE_CHECKING:
    from infra.settings import Settings

def later():
    from eventsourcing.persistence import Mapper
    import psycopg
"""
    assert refused(source) == [
        "eventsourcing.persistence",
        "eventsourcing.persistence.Mapper",
        "infra.settings",
        "infra.settings.Settings",
        "msgspec.json",
        "psycopg",
    ]


def test_the_check_tells_a_forbidden_module_from_one_that_shares_its_prefix() -> None:
    assert refused("import apiary\nimport infrastructure_notes\nimport kafkaesque") == []
