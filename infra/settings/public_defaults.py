"""Secrets that were published with the project, refused in production mode.

The repository once shipped these values as defaults of its compose file, so anyone may
know them: a production process started with one of them would sign tokens, or wrap the
keys of personal data, with a secret that is no secret. Development keeps working with
them (a local try of the stack); ``BOLASHAK_MODE=production`` refuses to start, naming
the setting, before any connection is opened.
"""

from __future__ import annotations

import hashlib

from infra.settings.base import PREFIX

# the compose file's former default of BOLASHAK_JWT_SECRET
PUBLIC_JWT_SECRETS = frozenset({"change-me-local-compose-only-0123456789abcdef"})
# sha256("local-compose-only"): the compose file's former BOLASHAK_PII_MASTER_KEY
PUBLIC_PII_MASTER_KEYS = frozenset({hashlib.sha256(b"local-compose-only").digest()})
# the compose file's former PostgreSQL password
PUBLIC_DATABASE_PASSWORDS = frozenset({"bolashak"})
PLACEHOLDER = "change-me"  # what an example file (.env.example) puts where a secret goes


def refuse_public_defaults(jwt_secret: str, pii_master_key: bytes, db_password: str) -> None:
    """Raises ``ValueError`` naming the first setting that holds a published value."""
    if jwt_secret in PUBLIC_JWT_SECRETS or PLACEHOLDER in jwt_secret:
        raise ValueError(_refused("JWT_SECRET", "a long random string"))
    if pii_master_key in PUBLIC_PII_MASTER_KEYS:
        raise ValueError(_refused("PII_MASTER_KEY", "`openssl rand -base64 32`"))
    if db_password in PUBLIC_DATABASE_PASSWORDS or PLACEHOLDER in db_password:
        raise ValueError(_refused("DATABASE_URL", "a password of its own in the URL"))


def _refused(setting: str, instead: str) -> str:
    return (
        f"{PREFIX}{setting} holds a development default published with the project,"
        f" refused in production mode: set {instead}"
    )
