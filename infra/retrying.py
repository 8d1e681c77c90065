"""Retries, in one place, on tenacity: the two policies the processes use.

- ``until_stopped``: a worker's step (a page of the log for the read models, a batch for
  the relay) retried after any failure, with waits doubling from a first wait up to 30 s,
  until it succeeds or the worker is told to stop (the wait ends at once then). Each
  failure is reported with the wait that follows it.
- ``within_budget``: a database call retried on a lost or refused connection for a few
  seconds from its first attempt, then the error is raised (a command must fail within a
  request's time limit while the database is down). The first attempt is a plain call:
  the retry machinery costs nothing while the database answers.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    wait_exponential,
    wait_random,
)

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
LONGEST_WAIT = 30.0  # seconds between two attempts of a worker's step, at most


def until_stopped(
    work: Callable[[], T],
    stop: threading.Event,
    *,
    first_wait: float,
    on_failure: Callable[[BaseException, float], None],
    longest: float = LONGEST_WAIT,
) -> T | None:
    """``work()``'s result, retried after any ``Exception`` (waits of ``first_wait``,
    doubling, at most ``longest`` seconds; ``on_failure(error, wait)`` is told of each
    failure); None once ``stop`` is set."""
    wait = wait_exponential(multiplier=first_wait, max=longest)

    def report(state: RetryCallState) -> None:
        assert state.outcome is not None
        error = state.outcome.exception()
        assert error is not None
        on_failure(error, wait(state))

    def pause(seconds: float) -> None:
        stop.wait(seconds)

    retrying = Retrying(
        retry=retry_if_exception_type(Exception),
        wait=wait,
        stop=lambda _state: stop.is_set(),
        sleep=pause,
        after=report,
        retry_error_callback=lambda _state: None,
    )
    result: T | None = retrying(work)
    return result


def within_budget(
    errors: tuple[type[BaseException], ...], *, seconds: float, pause: float
) -> Callable[[F], F]:
    """Retries the decorated call on ``errors`` until ``seconds`` have passed since its
    first attempt (about ``pause`` seconds apart, jittered by 10%), then raises the last
    error."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def attempt(*args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            try:
                return func(*args, **kwargs)  # the common case, without the machinery
            except errors as failed:
                first = failed
            retrying = Retrying(
                retry=retry_if_exception_type(errors),
                stop=lambda _state: time.monotonic() - started >= seconds,
                wait=wait_random(0.9 * pause, 1.1 * pause),
                reraise=True,
            )
            counted = False
            for again in retrying:
                with again:
                    if not counted:  # the plain call's failure is tenacity's first attempt
                        counted = True
                        raise first
                    return func(*args, **kwargs)
            raise AssertionError("tenacity raises or returns")  # pragma: no cover

        return attempt  # type: ignore[return-value]

    return decorate
