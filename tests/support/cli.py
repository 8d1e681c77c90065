"""The ``bolashak`` command line run in the test's own process (a subprocess per command
costs seconds on the shared machine); ``tests/integration/test_cli.py`` runs it as a user
does."""

from __future__ import annotations

from collections.abc import Mapping

from typer.testing import CliRunner, Result

from api.cli.main import app


def bolashak_here(args: list[str], env: Mapping[str, str | None]) -> Result:
    """The command's exit code, stdout and stderr; ``env`` on top of this process's (a
    variable set to None is unset while the command runs)."""
    return CliRunner().invoke(app, args, env=env)
