"""The command line's exit statuses and its errors as one line a person can read.

Every command ends with one of the statuses of ``Exit`` (the README's table): an error
the command cannot get past is printed as one line on stderr, naming what was wrong (the
field, the file, the database's URL without its password, and the cause), never as a
traceback. The global ``--debug`` flag lets the error through with its traceback.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from enum import IntEnum
from typing import Any

import psycopg
import typer
from eventsourcing.persistence import OperationalError as StoreOperationalError
from rich.console import Console
from rich.markup import escape
from typer._click.core import Context
from typer.core import TyperGroup

from domain.errors import ApplicationNotFoundError, DomainError, InvalidInputError
from domain.rules.catalog import UnknownRulesetError
from infra.settings import Settings, SettingsError

_stderr = Console(stderr=True, soft_wrap=True)


class Exit(IntEnum):
    """The exit statuses of every ``bolashak`` command."""

    OK = 0  # done
    CHECK_FAILED = 1  # ran, and the answer is no: a rule or a role refused, a check failed
    INPUT = 2  # usage or input error: an option, a setting, a file, a date, a field
    NOT_FOUND = 3  # no such case, ruleset, user or application of an IIN
    UNAVAILABLE = 4  # a service is unreachable: the database (or the broker)


class NotFoundError(DomainError):
    """What a command names does not exist (a user of the directory, a ruleset)."""


def explained(error: BaseException) -> tuple[Exit, str] | None:
    """The exit status and the one line for ``error``, or None for an error no person
    can act on (a bug: its traceback is shown)."""
    for found in _chain(error):
        if isinstance(found, psycopg.OperationalError | StoreOperationalError):
            return Exit.UNAVAILABLE, _database_unavailable(found)
        if isinstance(found, sqlite3.OperationalError) and "unable to open" in str(found):
            return Exit.UNAVAILABLE, _database_unavailable(found)
    if isinstance(error, ApplicationNotFoundError | NotFoundError | UnknownRulesetError):
        return Exit.NOT_FOUND, f"[red]not found:[/red] {escape(_text(error))}"
    if isinstance(error, InvalidInputError):
        return Exit.INPUT, f"[red]invalid input:[/red] {escape(str(error))}"
    if isinstance(error, DomainError):
        return Exit.CHECK_FAILED, f"[red]refused:[/red] {escape(str(error))}"
    if isinstance(error, SettingsError):
        return Exit.INPUT, f"[red]setting error:[/red] {escape(str(error))}"
    if isinstance(error, FileNotFoundError):
        return Exit.INPUT, f"[red]no such file:[/red] {escape(str(error.filename))}"
    if isinstance(error, IsADirectoryError | PermissionError):
        return Exit.INPUT, f"[red]cannot read {escape(str(error.filename))}:[/red] {error.strerror}"
    return None


def _text(error: BaseException) -> str:
    return str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _database_unavailable(error: BaseException) -> str:
    """``database unavailable: URL (no password): cause``: the cause is asked of the
    database itself when the error only says that the pool gave up waiting."""
    try:
        database = Settings.from_env().database
    except SettingsError:
        return f"[red]database unavailable:[/red] {escape(_first_line(error))}"
    cause = _first_line(error)
    if database.kind == "postgres":
        try:
            psycopg.connect(database.dsn(), connect_timeout=3).close()
        except psycopg.Error as e:
            cause = _first_line(e)
    return f"[red]database unavailable:[/red] {escape(database.redacted())}: {escape(cause)}"


def _first_line(error: BaseException) -> str:
    """The cause in one line (psycopg's first line, without its "connection failed: ")."""
    line = next((t.strip() for t in str(error).splitlines() if t.strip()), type(error).__name__)
    return line.removeprefix("connection failed: ")


class _Flags:
    debug = False  # the global --debug flag of this run


def show_tracebacks(on: bool) -> None:
    """Set by the global ``--debug`` flag: errors go through with their traceback."""
    _Flags.debug = on


def debugging() -> bool:
    return _Flags.debug


def report(error: BaseException) -> Exit | None:
    """Prints ``error``'s line and returns its status (None: not one a person can act on)."""
    found = explained(error)
    if found is None:
        return None
    status, line = found
    _stderr.print(line)
    return status


class ReadableErrors(TyperGroup):
    """The ``bolashak`` group: an error of any command becomes its line and status, unless
    ``--debug`` was given."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as error:  # the command line's own (usage, Exit) are not explained
            status = None if debugging() else report(error)
            if status is None:
                raise
            raise typer.Exit(status) from None
