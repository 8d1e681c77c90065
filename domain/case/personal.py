"""Personal data at rest: a salted commitment in the hash chain, the identity sealed apart.

A ``Submitted`` event holds the applicant's identity and a random secret salt. Neither is
stored as such: the stored body holds, in place of ``applicant``,

    {"commitment": <hex>, "sealed": <text>}

and no ``applicant_salt``. ``commitment`` is the SHA-256 hex of the canonical JSON of
``{"salt": <salt>, "identity": <the identity as the codec stores it>}`` (keys sorted, no
whitespace, UTF-8); ``sealed`` is that same canonical JSON encrypted with the case's own
data key by a ``Sealer`` (``infra/pii/``). The hash chain covers the commitment only
(``domain/case/chain.py``), so destroying the data key erases the identity and leaves
every hash verifiable; while the key exists, the opened identity must match its
commitment (a tampered ciphertext does not).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, Protocol
from uuid import UUID

import orjson

SALT_FIELD = "applicant_salt"
IDENTITY_FIELD = "applicant"
_CANONICAL = orjson.OPT_SORT_KEYS


class PersonalDataError(ValueError):
    """A sealed identity cannot be read back: wrong key, or an altered ciphertext."""


class ErasedIdentityError(PersonalDataError):
    """An identity was to be sealed for a case whose key was destroyed: the case exists
    (a submission retried after its erasure) and its first event is stored already."""


class Sealer(Protocol):
    """Keeps each case's identity under a key of its own (the store of data keys)."""

    def seal(self, application_id: UUID, plaintext: bytes) -> str:
        """The identity encrypted under the case's key (created on first use)."""
        ...

    def open(self, application_id: UUID, sealed: str) -> bytes | None:
        """The plaintext, or None when the case's key was destroyed (erased).

        Raises ``PersonalDataError`` when the ciphertext does not open with the key."""
        ...

    def destroy(self, application_id: UUID) -> bool:
        """Destroys the case's key; True when a key was destroyed now."""
        ...

    def forget(self, application_id: UUID) -> None:
        """Drops this process's cached copy of the case's key (erased elsewhere)."""
        ...

    def seal_existing(self, application_id: UUID, plaintext: bytes) -> str | None:
        """Like ``seal``, under the key the case already has; None once it was destroyed
        (never creates a key: for copies of an identity stored since, e.g. a read model)."""
        ...

    def open_with_key(
        self, application_id: UUID, wrapped_key: bytes | None, sealed: str
    ) -> bytes | None:
        """The plaintext of ``sealed``, opened with the case's wrapped key as just read
        from the key store (None: destroyed), not with a key this process cached: a read
        that fetches the key beside the data sees an erasure committed by any process."""
        ...

    def digest(self, value: str) -> str:
        """A keyed digest of a value (e.g. an IIN): finds the records holding it without
        storing the value, and cannot be computed without the keys' master key."""
        ...


def new_salt() -> str:
    """32 random bytes, hex: makes the commitment impossible to guess from a known identity."""
    return secrets.token_hex(32)


def payload(salt: str, identity: Any) -> bytes:
    """The canonical JSON that is committed to and sealed."""
    return orjson.dumps({"salt": salt, "identity": identity}, option=_CANONICAL)


def commitment_of(plaintext: bytes) -> str:
    return hashlib.sha256(plaintext).hexdigest()


def is_sealed(body: dict[str, Any]) -> bool:
    """A stored body that holds a sealed identity."""
    found = body.get(IDENTITY_FIELD)
    return isinstance(found, dict) and "sealed" in found


def withheld_body(body: dict[str, Any]) -> dict[str, Any]:
    """A stored body with no identity and no salt: as an erased case's reads."""
    return {**body, IDENTITY_FIELD: None, SALT_FIELD: ""}


def chained_body(body: dict[str, Any]) -> dict[str, Any]:
    """The body as the hash chain sees it: a Submitted's identity and salt replaced by the
    commitment (given a codec body with ``applicant_salt``, or a stored body)."""
    if SALT_FIELD in body:
        chained = dict(body)
        salt = chained.pop(SALT_FIELD)
        chained[IDENTITY_FIELD] = commitment_of(payload(salt, body[IDENTITY_FIELD]))
        return chained
    sealed = body.get(IDENTITY_FIELD)
    if isinstance(sealed, dict) and "commitment" in sealed:
        return {**body, IDENTITY_FIELD: sealed["commitment"]}
    return body


def sealed_body(body: dict[str, Any], application_id: UUID, sealer: Sealer) -> dict[str, Any]:
    """The stored body of a codec body: identity and salt sealed, the commitment beside."""
    if SALT_FIELD not in body:
        return body
    stored = dict(body)
    plaintext = payload(stored.pop(SALT_FIELD), body[IDENTITY_FIELD])
    stored[IDENTITY_FIELD] = {
        "commitment": commitment_of(plaintext),
        "sealed": sealer.seal(application_id, plaintext),
    }
    return stored


def opened_body(body: dict[str, Any], application_id: UUID, sealer: Sealer) -> dict[str, Any]:
    """A stored body with its identity and salt back (None and "" once erased)."""
    if not is_sealed(body):
        return body
    sealed = body[IDENTITY_FIELD]
    plaintext = sealer.open(application_id, sealed["sealed"])
    if plaintext is None:
        return withheld_body(body)
    if commitment_of(plaintext) != sealed["commitment"]:
        raise PersonalDataError(
            f"the sealed identity of {application_id} does not match its commitment"
        )
    opened = orjson.loads(plaintext)
    return {**body, IDENTITY_FIELD: opened["identity"], SALT_FIELD: opened["salt"]}
