"""The ``bolashak`` command line run in the test's own process (a subprocess per command
costs seconds on the shared machine); ``tests/integration/test_cli.py`` runs it as a user
does."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from subprocess import CompletedProcess

from typer.testing import CliRunner, Result

from api.cli.main import app


def bolashak_here(args: list[str], env: Mapping[str, str | None]) -> Result:
    """The command's exit code, stdout and stderr; ``env`` on top of this process's (a
    variable set to None is unset while the command runs)."""
    return CliRunner().invoke(app, args, env=env)


def bolashak_ran(args: list[str], env: Mapping[str, str | None]) -> CompletedProcess[str]:
    """``bolashak_here``'s answer as a finished process gives it (``returncode``,
    ``stdout``, ``stderr``), for tests of what a command answers rather than of its
    process. An exception the command let out is raised here: a process would have ended
    with a traceback, not with the command's own message."""
    result = bolashak_here(args, env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def copy_of_store(made: Path, folder: Path) -> str:
    """The URL of a copy, in ``folder``, of the SQLite store file ``made`` (with its -wal
    and -shm files, if any): a store a module's fixture made once through the command line,
    for a test that changes it (each such process costs about a second to start)."""
    for file in made.parent.glob(f"{made.name}*"):
        shutil.copy2(file, folder / file.name)
    return f"sqlite:///{folder / made.name}"
