"""Bearer tokens: who is calling, in which role.

Tokens are JWTs signed with HS256 by ``BOLASHAK_JWT_SECRET``. In development mode, when
the setting is missing, a random key is created once under ``var/`` so that
``bolashak token`` and ``bolashak serve`` agree; production refuses to start without it
(``infra.container.jwt_secret``). The key is never logged.

A valid signature is not enough: the subject must also be an active user of the user
directory, registered with the token's role (``api/users.py``, ``bolashak users``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt

from domain.case.meta import Role
from infra.settings import TOKEN_MAX_HOURS
from infra.users import API_ROLES

__all__ = ["API_ROLES", "AuthError", "Principal", "TokenKeys"]

ISSUER = "bolashak-cases"
AUDIENCE = "bolashak-api"


class AuthError(Exception):
    """The request carries no usable token; the message says why (never the key)."""


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: Role


class TokenKeys:
    """Mints and verifies tokens; none lives longer than ``max_lifetime_seconds`` from the
    moment it was issued (``BOLASHAK_TOKEN_MAX_HOURS``): a token signed with a longer one
    is refused, however valid its signature."""

    def __init__(self, secret: str, max_lifetime_seconds: int = TOKEN_MAX_HOURS * 3600) -> None:
        if len(secret) < 32:
            raise ValueError("BOLASHAK_JWT_SECRET must be at least 32 characters")
        self._secret = secret
        self.max_lifetime_seconds = max_lifetime_seconds
        self._verified: dict[str, tuple[Principal, float]] = {}

    def __repr__(self) -> str:
        return "TokenKeys(<secret>)"

    def mint(self, user_id: str, role: Role, ttl_seconds: int = 8 * 3600) -> str:
        if role not in API_ROLES:
            raise ValueError(f"role must be one of {', '.join(r.value for r in API_ROLES)}")
        if ttl_seconds > self.max_lifetime_seconds:
            raise ValueError(
                f"a token lives at most {self.max_lifetime_seconds / 3600:g} h"
                " (BOLASHAK_TOKEN_MAX_HOURS)"
            )
        now = int(time.time())
        claims = {
            "sub": user_id,
            "role": role.value,
            "iat": now,
            "exp": now + ttl_seconds,
            "iss": ISSUER,
            "aud": AUDIENCE,
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Principal:
        """The token's principal; a token already verified is taken from a small cache
        until it expires (verifying the signature costs more than most queries). Whether
        its user is still active is the directory's check, on every request."""
        cached = self._verified.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        principal, expires = self._verify(token)
        if len(self._verified) >= 4096:
            self._verified.clear()
        self._verified[token] = (principal, expires)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "role"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("the token has expired") from None
        except jwt.MissingRequiredClaimError as e:
            raise AuthError(f"the token has no {e.claim!r} claim") from None
        except jwt.InvalidTokenError as e:
            raise AuthError(f"the token is not valid: {type(e).__name__}") from None
        try:
            role = Role(claims["role"])
        except (ValueError, TypeError):
            raise AuthError("the token names an unknown role") from None
        if role not in API_ROLES:
            raise AuthError("the token's role is not an API role")
        self._check_lifetime(claims)
        if not isinstance(claims["sub"], str) or not claims["sub"].strip():
            raise AuthError("the token has no user (a blank subject)")
        return Principal(str(claims["sub"]), role), float(claims["exp"])

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        """``exp`` at most the maximum lifetime after ``iat`` (which PyJWT has checked is
        a number and not in the future)."""
        if claims["exp"] - claims["iat"] > self.max_lifetime_seconds:
            raise AuthError(
                f"the token lives longer than the maximum of"
                f" {self.max_lifetime_seconds / 3600:g} h (BOLASHAK_TOKEN_MAX_HOURS)"
            )

    def principal_from_header(self, authorization: str | None) -> Principal:
        if not authorization:
            raise AuthError("a bearer token is required (Authorization: Bearer ...)")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("the Authorization header must be 'Bearer <token>'")
        return self.verify(token.strip())
