"""The event-sourcing library's settings for a ``Settings`` (shared/FIELD-NOTES.md): the
store, its connection budget and lock waits, the sealer of personal data and the cipher."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

from infra.settings.base import PREFIX, SettingsError
from infra.settings.files import development_pii_key, private_database_file

if TYPE_CHECKING:
    from infra.settings import Settings

POOL_WAIT_SECONDS = 3  # for a pooled PostgreSQL connection, before a command gives up
APP_ENV_PREFIX = "BOLASHAK_"  # the event-sourced application is named "Bolashak"
SEALER_TOPIC = "infra.pii.sealer:sealer_for"
CIPHER_TOPIC = "eventsourcing.cryptography:AESCipher"
PYCRYPTODOME_CIPHER_TOPIC = "eventsourcing.cipher:AESCipher"


def eventsourcing_env(
    settings: Settings, *, create_table: bool = False, pool_size: int | None = None
) -> dict[str, str]:
    """The library's settings for the store of ``settings``; ``pool_size``: the event-store
    connections of this process, when not ``BOLASHAK_POOL_SIZE``.

    Keys are given with the application's prefix too, so that a stray variable in the
    process environment cannot override them.
    """
    master_key = settings.pii_master_key or development_pii_key()
    env = {
        "AGGREGATE_CACHE_MAXSIZE": str(settings.aggregate_cache_size),
        # Not fast-forwarded on every command (a round trip each): a stale copy shows
        # as a version conflict on save, and refusals are re-decided on the stored
        # case (domain/service.py ``_run``).
        "AGGREGATE_CACHE_FASTFORWARD": "n",
        "CREATE_TABLE": "y" if create_table else "n",
        "PII_SEALER_TOPIC": SEALER_TOPIC,
        "PII_MASTER_KEY": base64.b64encode(master_key).decode(),
        **_cipher_env(settings),
        **_store_env(settings, pool_size or settings.pool_size),
    }
    return {**env, **{APP_ENV_PREFIX + k: v for k, v in env.items()}}


def _cipher_env(settings: Settings) -> dict[str, str]:
    topic, key = settings.cipher
    return {"CIPHER_TOPIC": topic, "CIPHER_KEY": key} if topic else {}


def _store_env(settings: Settings, pool_size: int) -> dict[str, str]:
    db = settings.database
    if db.kind == "memory":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if db.kind == "sqlite":
        _sqlite_folder(Path(db.path))
        private_database_file(db.path)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": db.path,
            "SQLITE_LOCK_TIMEOUT": str(settings.lock_timeout_seconds),
        }
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": db.dbname,
        "POSTGRES_HOST": db.host,
        "POSTGRES_PORT": str(db.port),
        "POSTGRES_USER": db.user,
        "POSTGRES_PASSWORD": db.password,
        # The process's budget of event-store connections, all opened at start and
        # never more (the library's default adds 10 on demand): a command that finds
        # them all busy waits POOL_WAIT_SECONDS, then is answered 503 (retry).
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": "0",
        "POSTGRES_LOCK_TIMEOUT": str(settings.lock_timeout_seconds),
        # How long a command waits for a pooled connection (the library's default, 30 s,
        # outlasts a request's time limit while the database is down; see
        # infra/event_store.py).
        "POSTGRES_CONNECT_TIMEOUT": str(POOL_WAIT_SECONDS),
        # No ping before each use of a pooled connection (a round trip per command):
        # a connection broken by a server restart fails its statement, the library
        # retries on another one, and the pool drops the broken one.
        "POSTGRES_PRE_PING": "n",
        # Never "y": it drops the table lock and readers of the log miss events.
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        # One round trip per save, the table lock kept (infra/event_store.py).
        "APPLICATION_RECORDER_TOPIC": "infra.event_store:LockedInsertRecorder",
    }


DEVELOPMENT_FOLDER = Path("var")  # the default store's (and the development keys') folder


def _sqlite_folder(path: Path) -> None:
    """The embedded store's folder: ``var/`` (the development default) is created when
    missing; any other folder must exist, so a mistyped path is refused rather than a new
    empty store made somewhere else."""
    if path.parent == DEVELOPMENT_FOLDER:
        path.parent.mkdir(exist_ok=True)
    elif not path.parent.is_dir():
        raise SettingsError(
            f"{PREFIX}DATABASE_URL: the folder {str(path.parent)!r} of the SQLite file does not"
            " exist (create it first)"
        )
