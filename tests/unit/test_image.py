"""The Dockerfile's promises, read from the files (no Docker engine here): dependencies from
the lock file installed before the source is copied, a user that is not root, a build
context without the development keys, the virtualenv or the history, and a lock file
that still pins every dependency of pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"


def instructions() -> list[tuple[str, str]]:
    lines = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ").splitlines()
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
        for line in lines
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_the_locked_dependencies_are_installed_before_the_source_is_copied() -> None:
    steps = instructions()
    install = steps.index(("RUN", "pip install --no-deps -r requirements.lock"))
    assert steps.index(("COPY", "requirements.lock ./")) < install
    sources = [i for i, (kind, arg) in enumerate(steps) if kind == "COPY" and "lock" not in arg]
    assert sources
    assert min(sources) > install


def test_the_image_runs_as_a_user_that_is_not_root() -> None:
    users = [arg for kind, arg in instructions() if kind == "USER"]
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")


def test_the_build_context_leaves_out_keys_virtualenvs_history_and_caches() -> None:
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".git", ".venv", "var", "*.key", ".env", "**/__pycache__", ".mypy_cache"} <= ignored


def test_the_lock_pins_every_dependency_of_pyproject() -> None:
    """After a dependency changes in pyproject.toml: `make lock`."""
    pinned = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        found = re.match(r"^([A-Za-z0-9._-]+)==(\S+)", line)
        if found:
            pinned[_name(found.group(1))] = found.group(2)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for spec in project["dependencies"]:
        wanted = Requirement(spec)
        version = pinned.get(_name(wanted.name))
        assert version is not None, f"{wanted.name} is not in requirements.lock: make lock"
        assert wanted.specifier.contains(version), f"{wanted} but locked {version}: make lock"


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
