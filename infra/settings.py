"""Settings from the environment, all under the ``BOLASHAK_`` prefix, mapped in one place.

``BOLASHAK_DATABASE_URL`` chooses the store:
- ``postgresql://user[:password]@host[:port]/dbname`` (PostgreSQL through psycopg 3),
- ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` (the embedded default),
- ``memory:`` (in-process, for unit tests and throwaway runs).

``BOLASHAK_PII_MASTER_KEY`` (base64 of 32 bytes) wraps the per-case keys that seal personal
data (``infra/pii/``). Production (``BOLASHAK_MODE=production``) refuses to start without
it; development creates one once under ``var/`` so that a fresh checkout runs.

``BOLASHAK_CIPHER_KEY`` (base64 of 16, 24 or 32 bytes) adds the library's cipher as a
second layer: every stored event encrypted as a whole. The cipher is the library's AES-GCM
on the ``cryptography`` package (``eventsourcing.cryptography:AESCipher``, the default
here); the library's own default, ``eventsourcing.cipher:AESCipher``, needs pycryptodome,
which is not installed, and is refused with a message saying so.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import importlib.util
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from psycopg.conninfo import make_conninfo

from domain.rules.intake_windows import annual_awards_target

PREFIX = "BOLASHAK_"
DEFAULT_DATABASE_URL = "sqlite:///var/bolashak.db"
POOL_WAIT_SECONDS = 3  # for a pooled PostgreSQL connection, before a command gives up
# How many days before today a command's business date may lie without an admin's reason
# (BOLASHAK_BACKDATING_WINDOW_DAYS): a week of data-entry lag. Read when settings are made
# (a process replaying a past campaign, e.g. the test suite, may change it first).
BACKDATING_WINDOW_DAYS = 7
TOKEN_MAX_HOURS = 12  # the longest a bearer token may live (BOLASHAK_TOKEN_MAX_HOURS)
APP_ENV_PREFIX = "BOLASHAK_"  # the event-sourced application is named "Bolashak"
PII_MASTER_KEY = f"{PREFIX}PII_MASTER_KEY"
PII_DEV_KEY_FILE = Path("var") / "pii-master-dev.key"
SEALER_TOPIC = "infra.pii.sealer:sealer_for"
CIPHER_TOPIC = "eventsourcing.cryptography:AESCipher"
PYCRYPTODOME_CIPHER_TOPIC = "eventsourcing.cipher:AESCipher"


class SettingsError(ValueError):
    """A setting has a value the system cannot use; the message names the setting."""


@dataclass(frozen=True)
class Database:
    kind: str  # "postgres", "sqlite" or "memory"
    url: str
    dbname: str = ""
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = ""
    path: str = ""

    @classmethod
    def parse(cls, url: str, setting: str = "DATABASE_URL") -> Database:
        if url in ("memory:", "memory://"):
            return cls("memory", url)
        parts = urlsplit(url)
        if parts.scheme == "sqlite":
            path = url[len("sqlite:///") :]
            if not url.startswith("sqlite:///") or not path:
                raise SettingsError(f"{PREFIX}{setting}: sqlite URL must be sqlite:///path")
            return cls("sqlite", url, path=path)
        if parts.scheme in ("postgresql", "postgres"):
            dbname = parts.path.lstrip("/")
            if not dbname or not parts.hostname:
                raise SettingsError(
                    f"{PREFIX}{setting}: needs postgresql://user@host:port/dbname, got {url!r}"
                )
            return cls(
                "postgres",
                url,
                dbname=unquote(dbname),
                host=parts.hostname,
                port=parts.port or 5432,
                user=unquote(parts.username or "postgres"),
                password=unquote(parts.password or ""),
            )
        raise SettingsError(
            f"{PREFIX}{setting}: unknown scheme {parts.scheme!r}"
            " (use postgresql://, sqlite:/// or memory:)"
        )

    def dsn(self, dbname: str | None = None) -> str:
        """A libpq connection string (for another database on the same server if named)."""
        return make_conninfo(
            dbname=dbname or self.dbname,
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
        )

    def redacted(self) -> str:
        if self.kind != "postgres":
            return self.url
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"


TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")  # what Kafka accepts as a topic name


@dataclass(frozen=True)
class Kafka:
    """The event relay's and the example consumer's broker settings (``BOLASHAK_KAFKA_*``)."""

    bootstrap_servers: tuple[str, ...] = ()
    topic: str = "bolashak.application-events"
    pii_topic: str = ""  # the restricted topic for personal data; off when empty
    partitions: int = 6  # for topics the relay creates
    replication_factor: int = 1
    delivery_timeout_ms: int = 30_000
    compression: str = "gzip"  # or "" for none
    client_id: str = "bolashak-relay"
    consumer_group: str = "bolashak-example-consumer"
    # the example consumer's group membership (kafka-python's defaults): a member silent
    # for the session timeout is dropped from the group; some brokers also take about
    # that long to let a new member in
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    source: str = "/kz/cip/bolashak-cases"  # CloudEvents ``source``

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Kafka:
        servers = env.get(f"{PREFIX}KAFKA_BOOTSTRAP_SERVERS", "")
        kafka = cls(
            bootstrap_servers=tuple(s.strip() for s in servers.split(",") if s.strip()),
            topic=_topic(env, "KAFKA_TOPIC", cls.topic),
            pii_topic=_topic(env, "KAFKA_PII_TOPIC", ""),
            partitions=_int(env, "KAFKA_PARTITIONS", cls.partitions),
            replication_factor=_int(env, "KAFKA_REPLICATION_FACTOR", cls.replication_factor),
            delivery_timeout_ms=_int(env, "KAFKA_DELIVERY_TIMEOUT_MS", cls.delivery_timeout_ms),
            compression=_compression(env),
            client_id=env.get(f"{PREFIX}KAFKA_CLIENT_ID", "") or cls.client_id,
            consumer_group=env.get(f"{PREFIX}KAFKA_CONSUMER_GROUP", "") or cls.consumer_group,
            session_timeout_ms=_int(env, "KAFKA_SESSION_TIMEOUT_MS", cls.session_timeout_ms),
            heartbeat_interval_ms=_int(
                env, "KAFKA_HEARTBEAT_INTERVAL_MS", cls.heartbeat_interval_ms
            ),
            source=env.get(f"{PREFIX}KAFKA_SOURCE", "") or cls.source,
        )
        if kafka.pii_topic and kafka.pii_topic == kafka.topic:
            raise SettingsError(
                f"{PREFIX}KAFKA_PII_TOPIC must differ from {PREFIX}KAFKA_TOPIC:"
                " personal data never goes to the public topic"
            )
        if kafka.partitions < 1 or kafka.replication_factor < 1:
            raise SettingsError(
                f"{PREFIX}KAFKA_PARTITIONS and {PREFIX}KAFKA_REPLICATION_FACTOR must be at least 1"
            )
        if kafka.delivery_timeout_ms < 1000:
            raise SettingsError(f"{PREFIX}KAFKA_DELIVERY_TIMEOUT_MS must be at least 1000")
        if kafka.heartbeat_interval_ms < 100:
            raise SettingsError(f"{PREFIX}KAFKA_HEARTBEAT_INTERVAL_MS must be at least 100")
        if kafka.heartbeat_interval_ms >= kafka.session_timeout_ms:
            raise SettingsError(
                f"{PREFIX}KAFKA_HEARTBEAT_INTERVAL_MS must be below"
                f" {PREFIX}KAFKA_SESSION_TIMEOUT_MS (a third of it or less is usual): got"
                f" {kafka.heartbeat_interval_ms} and {kafka.session_timeout_ms}"
            )
        return kafka

    def require_servers(self) -> list[str]:
        if not self.bootstrap_servers:
            raise SettingsError(
                f"{PREFIX}KAFKA_BOOTSTRAP_SERVERS is not set (e.g. 127.0.0.1:9092,other:9092)"
            )
        return list(self.bootstrap_servers)


@dataclass(frozen=True)
class Settings:
    database: Database
    aggregate_cache_size: int = 10_000
    pool_size: int = 5  # event-store connections of a server process (connection_budget)
    read_connections: int = 2  # per server process: its read-model query threads
    # with POOL_WAIT_SECONDS, within a request's 10 s: a command that gets no connection,
    # or not the event table's lock, is answered 503 (retry), never left to time out
    lock_timeout_seconds: int = 5
    awards_targets: tuple[tuple[int, int], ...] = ()  # (year, scholarships), from the settings
    kafka: Kafka = Kafka()
    consumer_database: Database | None = None  # the example consumer's own store
    pii_master_key: bytes = dataclasses.field(default=b"", repr=False)  # never shown
    token_max_hours: int = TOKEN_MAX_HOURS
    # None: no window (a past campaign replayed: the demo, the benchmarks)
    backdating_window_days: int | None = dataclasses.field(
        default_factory=lambda: BACKDATING_WINDOW_DAYS
    )
    cipher: tuple[str, str] = dataclasses.field(default=("", ""), repr=False)  # (topic, key)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            database=Database.parse(env.get(f"{PREFIX}DATABASE_URL", DEFAULT_DATABASE_URL)),
            aggregate_cache_size=_int(env, "AGGREGATE_CACHE_SIZE", 10_000),
            pool_size=_at_least_one(env, "POOL_SIZE", 5),
            read_connections=_at_least_one(env, "READ_CONNECTIONS", 2),
            lock_timeout_seconds=_int(env, "LOCK_TIMEOUT_SECONDS", 5),
            awards_targets=_awards_targets(env),
            kafka=Kafka.from_env(env),
            consumer_database=(
                Database.parse(env[f"{PREFIX}CONSUMER_DATABASE_URL"], "CONSUMER_DATABASE_URL")
                if env.get(f"{PREFIX}CONSUMER_DATABASE_URL")
                else None
            ),
            pii_master_key=pii_master_key(env),
            cipher=_cipher(env),
            backdating_window_days=_int(env, "BACKDATING_WINDOW_DAYS", BACKDATING_WINDOW_DAYS),
            token_max_hours=_at_least_one(env, "TOKEN_MAX_HOURS", TOKEN_MAX_HOURS),
        )

    def backdating_window(self) -> timedelta | None:
        days = self.backdating_window_days
        return None if days is None else timedelta(days=days)

    def replaying_history(self) -> Settings:
        """These settings without the backdating window: for replaying a past campaign
        (the demo, the benchmarks), whose business dates lie years before today."""
        return dataclasses.replace(self, backdating_window_days=None)

    def awards_target(self, year: int) -> int | None:
        """``BOLASHAK_AWARDS_TARGET_<YEAR>``, else the campaign's own figure (555 in 2023)."""
        for known_year, target in self.awards_targets:
            if known_year == year:
                return target
        return annual_awards_target(year)

    def eventsourcing_env(
        self, *, create_table: bool = False, pool_size: int | None = None
    ) -> dict[str, str]:
        """The library's settings for this store (see shared/FIELD-NOTES.md); ``pool_size``:
        the event-store connections of this process, when not ``BOLASHAK_POOL_SIZE``.

        Keys are given with the application's prefix too, so that a stray variable in the
        process environment cannot override them.
        """
        master_key = self.pii_master_key or development_pii_key()
        env = {
            "AGGREGATE_CACHE_MAXSIZE": str(self.aggregate_cache_size),
            # Not fast-forwarded on every command (a round trip each): a stale copy shows
            # as a version conflict on save, and refusals are re-decided on the stored
            # case (domain/service.py ``_run``).
            "AGGREGATE_CACHE_FASTFORWARD": "n",
            "CREATE_TABLE": "y" if create_table else "n",
            "PII_SEALER_TOPIC": SEALER_TOPIC,
            "PII_MASTER_KEY": base64.b64encode(master_key).decode(),
            **self._cipher_env(),
            **self._store_env(pool_size or self.pool_size),
        }
        return {**env, **{APP_ENV_PREFIX + k: v for k, v in env.items()}}

    def _cipher_env(self) -> dict[str, str]:
        topic, key = self.cipher
        return {"CIPHER_TOPIC": topic, "CIPHER_KEY": key} if topic else {}

    def _store_env(self, pool_size: int) -> dict[str, str]:
        db = self.database
        if db.kind == "memory":
            return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        if db.kind == "sqlite":
            Path(db.path).parent.mkdir(parents=True, exist_ok=True)
            private_database_file(db.path)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": db.path,
                "SQLITE_LOCK_TIMEOUT": str(self.lock_timeout_seconds),
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
            "POSTGRES_LOCK_TIMEOUT": str(self.lock_timeout_seconds),
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


def pii_master_key(env: Mapping[str, str]) -> bytes:
    """``BOLASHAK_PII_MASTER_KEY``: required in production, else the development key."""
    raw = env.get(PII_MASTER_KEY, "").strip()
    if not raw:
        if env.get(f"{PREFIX}MODE", "development").strip().lower() == "production":
            raise SettingsError(
                f"{PII_MASTER_KEY} is required in production mode"
                " (base64 of 32 random bytes, e.g. from `openssl rand -base64 32`)"
            )
        return development_pii_key()
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise SettingsError(f"{PII_MASTER_KEY} must be base64 (of 32 bytes)") from None
    if len(key) != 32:
        raise SettingsError(f"{PII_MASTER_KEY} must be base64 of 32 bytes, got {len(key)} bytes")
    return key


def _cipher(env: Mapping[str, str]) -> tuple[str, str]:
    """(topic, key) of the library's whole-event cipher, or ("", "") when off."""
    key = env.get(f"{PREFIX}CIPHER_KEY", "").strip()
    topic = env.get(f"{PREFIX}CIPHER_TOPIC", "").strip()
    if not key:
        if topic:
            raise SettingsError(f"{PREFIX}CIPHER_TOPIC is set but {PREFIX}CIPHER_KEY is not")
        return ("", "")
    try:
        size = len(base64.b64decode(key, validate=True))
    except (binascii.Error, ValueError):
        size = 0
    if size not in (16, 24, 32):
        raise SettingsError(f"{PREFIX}CIPHER_KEY must be base64 of 16, 24 or 32 bytes")
    if topic == PYCRYPTODOME_CIPHER_TOPIC and importlib.util.find_spec("Crypto") is None:
        raise SettingsError(
            f"{PREFIX}CIPHER_TOPIC={topic} needs pycryptodome, which is not installed:"
            f" use {CIPHER_TOPIC} (the default)"
        )
    return (topic or CIPHER_TOPIC, key)


def development_pii_key() -> bytes:
    """The development master key (never in production): the process environment's
    ``BOLASHAK_PII_MASTER_KEY`` when it has one (settings made from a partial mapping then
    agree with the processes this one starts), else a key created once under ``var/``."""
    if os.environ.get(PII_MASTER_KEY, "").strip():
        return pii_master_key(os.environ)
    text = secret_file(PII_DEV_KEY_FILE, lambda: base64.b64encode(secrets.token_bytes(32)).decode())
    return base64.b64decode(text)


PRIVATE = 0o600  # files holding personal data or keys: readable and writable by the owner only


def secret_file(path: Path, make: Callable[[], str]) -> str:
    """The text of a development secret kept in ``path``, created once with ``make()``,
    readable by its owner only: written to a private draft, then linked into place (of two
    processes starting at once, one secret wins; none is ever readable by others)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{os.getpid()}")
        draft.unlink(missing_ok=True)  # a draft left by a crash
        with os.fdopen(os.open(draft, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE), "w") as out:
            out.write(make())
        try:
            os.link(draft, path)  # atomic
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="utf-8").strip()


def private_database_file(path: str | Path) -> None:
    """Creates the embedded store's file readable by its owner only, before SQLite opens
    it (SQLite gives its write-ahead log and shared-memory files the same mode; a file it
    created itself would follow the umask, usually world-readable)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE))


def tighten_database_files(path: str | Path) -> list[str]:
    """Makes an existing embedded store and its companion files private (``db init``);
    the files it changed."""
    changed = []
    for name in (str(path), f"{path}-wal", f"{path}-shm"):
        found = Path(name)
        if found.exists() and found.stat().st_mode & 0o777 != PRIVATE:
            found.chmod(PRIVATE)
            changed.append(name)
    return changed


def _awards_targets(env: Mapping[str, str]) -> tuple[tuple[int, int], ...]:
    found = []
    for key in env:
        if key.startswith(f"{PREFIX}AWARDS_TARGET_"):
            year = key.removeprefix(f"{PREFIX}AWARDS_TARGET_")
            if not (year.isdigit() and len(year) == 4):
                raise SettingsError(
                    f"{key}: the name must end in a year, e.g. {PREFIX}AWARDS_TARGET_2024"
                )
            found.append((int(year), _int(env, f"AWARDS_TARGET_{year}", 0)))
    return tuple(sorted(found))


def _compression(env: Mapping[str, str]) -> str:
    value = env.get(f"{PREFIX}KAFKA_COMPRESSION", "gzip").strip().lower()
    if value not in ("gzip", "none"):
        raise SettingsError(f"{PREFIX}KAFKA_COMPRESSION must be gzip or none, got {value!r}")
    return "" if value == "none" else value


def _topic(env: Mapping[str, str], key: str, default: str) -> str:
    value = env.get(PREFIX + key, "") or default
    if value and not TOPIC_NAME.match(value):
        raise SettingsError(
            f"{PREFIX}{key}: {value!r} is not a Kafka topic name"
            " (letters, digits, '.', '_' and '-', at most 249)"
        )
    return value


def _at_least_one(env: Mapping[str, str], key: str, default: int) -> int:
    value = _int(env, key, default)
    if value < 1:
        raise SettingsError(f"{PREFIX}{key} must be at least 1, got {value}")
    return value


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(PREFIX + key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{key} must be a whole number, got {raw!r}") from None
    if value < 0:
        raise SettingsError(f"{PREFIX}{key} must not be negative, got {value}")
    return value
