"""Errors a client may see as they are; everything else is masked.

A ``PublicError`` is a user error (bad cursor, page too large, unknown id) or a retryable
outage (the database is down): its message and code reach the client. A lost or refused
database connection met by any resolver is that outage too (``UNAVAILABLE``, retryable; the
response is 503 with Retry-After). Any other exception raised while executing becomes
"Internal server error" (logged with its traceback).
"""

from __future__ import annotations

from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from graphql import GraphQLError

MASKED_MESSAGE = "Internal server error"
UNAVAILABLE = "the user directory is unavailable right now; retry shortly"
RETRY_AFTER_SECONDS = 2


class BusyError(Exception):
    """Every connection of the process (or every thread using one) stayed busy for the
    whole wait: the request is answered 503, to be retried, rather than queued on."""


# What a lost, refused or exhausted database connection raises, from psycopg (a pool's
# timeout, a lock not granted in time included), the event store, and the server's pools
OUTAGES = (psycopg.OperationalError, StoreOperationalError, StoreInterfaceError, BusyError)


class PublicError(GraphQLError):
    def __init__(self, message: str, code: str = "BAD_USER_INPUT", **details: Any) -> None:
        super().__init__(message, extensions={"code": code, **details})


def bad_input(field: str, message: str) -> PublicError:
    return PublicError(f"{field}: {message}", "BAD_USER_INPUT", field=field)


def unavailable() -> PublicError:
    return PublicError(
        "the case store is unavailable right now; retry shortly", "UNAVAILABLE", retryable=True
    )


def is_outage(error: GraphQLError) -> bool:
    """The database was unreachable while resolving (a query as much as a mutation)."""
    return isinstance(error.original_error, OUTAGES)


def is_unavailable(formatted: dict[str, Any]) -> bool:
    return (formatted.get("extensions") or {}).get("code") == "UNAVAILABLE"


def not_authorised(message: str) -> PublicError:
    return PublicError(message, "FORBIDDEN")


def is_public(error: GraphQLError) -> bool:
    """Errors shown to the client: our public errors, and errors about the request itself
    (syntax, validation, variables), which come from graphql-core with no original error."""
    original = error.original_error
    return original is None or isinstance(original, PublicError) or isinstance(error, PublicError)
