"""What every CLI command shares: settings, the console, and errors as messages."""

from __future__ import annotations

import functools
import json
import logging
import signal
import threading
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from domain.errors import DomainError
from domain.permissions import PermissionDeniedError
from infra.settings import Settings, SettingsError

console = Console()
err_console = Console(stderr=True, soft_wrap=True)
P = ParamSpec("P")
R = TypeVar("R")


def settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as e:
        err_console.print(f"[red]setting error:[/red] {escape(str(e))}")
        raise typer.Exit(2) from None


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Domain errors end the command with their message and exit status 1 (2 for settings)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except PermissionDeniedError as e:
            err_console.print(f"[red]not allowed:[/red] {escape(str(e))}")
            raise typer.Exit(3) from None
        except DomainError as e:
            err_console.print(f"[red]refused:[/red] {escape(str(e))}")
            raise typer.Exit(1) from None
        except SettingsError as e:
            err_console.print(f"[red]setting error:[/red] {escape(str(e))}")
            raise typer.Exit(2) from None

    return wrapper


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM: a worker's loop ends cleanly on either."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def worker_logging() -> None:
    """Timestamped log lines on stderr, for the long-running workers."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")


def print_json(data: Any) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))
