"""The ``bolashak`` command line run in the test's own process (a subprocess per command
costs seconds on the shared machine); ``tests/integration/test_cli.py`` runs it as a user
does."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from typer.testing import CliRunner, Result

from api.cli.main import app


def bolashak_here(args: list[str], env: Mapping[str, str | None]) -> Result:
    """The command's exit code, stdout and stderr; ``env`` on top of this process's (a
    variable set to None is unset while the command runs)."""
    return CliRunner().invoke(app, args, env=env)


def copy_of_store(made: Path, folder: Path) -> str:
    """The URL of a copy, in ``folder``, of the SQLite store file ``made`` (with its -wal
    and -shm files, if any): a store a module's fixture made once through the command line,
    for a test that changes it (each such process costs about a second to start)."""
    for file in made.parent.glob(f"{made.name}*"):
        shutil.copy2(file, folder / file.name)
    return f"sqlite:///{folder / made.name}"
