"""Errors a client may see as they are; everything else is masked.

A ``PublicError`` is a user error (bad cursor, page too large, unknown id) or a retryable
outage (the database is down): its message and code reach the client. Any other exception
raised while executing becomes "Internal server error" (logged with its traceback).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

MASKED_MESSAGE = "Internal server error"


class PublicError(GraphQLError):
    def __init__(self, message: str, code: str = "BAD_USER_INPUT", **details: Any) -> None:
        super().__init__(message, extensions={"code": code, **details})


def bad_input(field: str, message: str) -> PublicError:
    return PublicError(f"{field}: {message}", "BAD_USER_INPUT", field=field)


def unavailable() -> PublicError:
    return PublicError(
        "the case store is unavailable right now; retry shortly", "UNAVAILABLE", retryable=True
    )


def not_authorised(message: str) -> PublicError:
    return PublicError(message, "FORBIDDEN")


def is_public(error: GraphQLError) -> bool:
    """Errors shown to the client: our public errors, and errors about the request itself
    (syntax, validation, variables), which come from graphql-core with no original error."""
    original = error.original_error
    return original is None or isinstance(original, PublicError) or isinstance(error, PublicError)
