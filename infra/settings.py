"""Settings from the environment, all under the ``BOLASHAK_`` prefix, declared in one place.

Each setting is a typed field of a pydantic-settings model (``Settings``, and ``Kafka`` for
``BOLASHAK_KAFKA_*``): its variable is the prefix and the field's name (or its alias), its
default and its rule are the field's. ``Settings.from_env`` reads the process environment
(or a given mapping, for tests and checked copies) and refuses a bad value with a
``SettingsError`` naming the variable and the rule. Nothing else reads ``os.environ``.

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
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self
from urllib.parse import unquote, urlsplit

from psycopg.conninfo import make_conninfo
from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from typing_extensions import override

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
AWARDS_TARGET = f"{PREFIX}AWARDS_TARGET_"  # then the year: BOLASHAK_AWARDS_TARGET_2024
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
    password: str = dataclasses.field(default="", repr=False)
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


# -- reading the environment -----------------------------------------------------------------


class _Environ(EnvSettingsSource):
    """pydantic-settings' environment source, over a given mapping rather than always the
    process environment (as its own ``.env`` file source reads a file)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k.lower(): v for k, v in self._environ.items() if v.strip()}


class _FromEnv(BaseSettings):
    """A group of settings read by ``from_env``: never from the environment behind the
    caller's back (``Settings()`` alone is the defaults)."""

    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, populate_by_name=True
    )

    @classmethod
    @override
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """The settings of ``environ`` (the process environment by default); a bad value
        is refused with a ``SettingsError`` naming its variable and the rule."""
        env = os.environ if environ is None else environ
        try:
            return cls(**cls._read(env))
        except ValidationError as e:
            prefix = cls.model_config.get("env_prefix", PREFIX)
            raise SettingsError("; ".join(_refusal(d, prefix) for d in e.errors())) from None

    @classmethod
    def _read(cls, environ: Mapping[str, str]) -> dict[str, Any]:
        """The fields' values found in ``environ``, by each field's variable."""
        return _Environ(cls, environ)()


def _refusal(error: ErrorDetails, prefix: str) -> str:
    """A pydantic error as a setting's refusal: the variable, then the rule (never the value
    of a secret: their rules are checked by their own validators, whose messages omit it)."""
    where = str(error["loc"][0]) if error["loc"] else ""
    variable = where if where.upper().startswith(PREFIX) else f"{prefix}{where.upper()}"
    ctx, given = error.get("ctx", {}), error.get("input")
    rules = {
        "int_parsing": f"must be a whole number, got {given!r}",
        "greater_than_equal": f"must be at least {ctx.get('ge')}, got {given}",
        "date_from_datetime_parsing": f"must be a date like 2031-01-01, got {given!r}",
        "date_parsing": f"must be a date like 2031-01-01, got {given!r}",
        "literal_error": f"must be {ctx.get('expected')}, got {given!r}",
    }
    rule = rules.get(error["type"]) or str(ctx.get("error", error["msg"]))
    if rule.startswith(PREFIX) or not where:
        return rule  # the validator named the setting(s) itself
    return f"{variable} {rule}" if rule.startswith("must") else f"{variable}: {rule}"


TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")  # what Kafka accepts as a topic name
Count = Annotated[int, Field(ge=0)]
AtLeastOne = Annotated[int, Field(ge=1)]


class Kafka(_FromEnv):
    """The event relay's and the example consumer's broker settings (``BOLASHAK_KAFKA_*``)."""

    model_config = SettingsConfigDict(env_prefix=f"{PREFIX}KAFKA_")

    bootstrap_servers: Annotated[tuple[str, ...], NoDecode] = ()
    topic: str = "bolashak.application-events"
    pii_topic: str = ""  # the restricted topic for personal data; off when empty
    partitions: AtLeastOne = 6  # for topics the relay creates
    replication_factor: AtLeastOne = 1
    delivery_timeout_ms: Annotated[int, Field(ge=1000)] = 30_000
    compression: str = "gzip"  # or "" for none
    client_id: str = "bolashak-relay"
    consumer_group: str = "bolashak-example-consumer"
    # the example consumer's group membership (kafka-python's defaults): a member silent
    # for the session timeout is dropped from the group; some brokers also take about
    # that long to let a new member in
    session_timeout_ms: Count = 10_000
    heartbeat_interval_ms: Annotated[int, Field(ge=100)] = 3_000
    source: str = "/kz/cip/bolashak-cases"  # CloudEvents ``source``

    @field_validator("bootstrap_servers", mode="before")
    @classmethod
    def _servers(cls, value: object) -> object:
        """``host:port[,host:port...]``."""
        if isinstance(value, str):
            return tuple(s.strip() for s in value.split(",") if s.strip())
        return value

    @field_validator("topic", "pii_topic")
    @classmethod
    def _topic_name(cls, value: str) -> str:
        if value and not TOPIC_NAME.match(value):
            raise ValueError(
                f"{value!r} is not a Kafka topic name (letters, digits, '.', '_' and '-',"
                " at most 249)"
            )
        return value

    @field_validator("compression")
    @classmethod
    def _compression(cls, value: str) -> str:
        value = value.lower()
        if value not in ("gzip", "none", ""):
            raise ValueError(f"must be gzip or none, got {value!r}")
        return "" if value == "none" else value

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.pii_topic and self.pii_topic == self.topic:
            raise ValueError(
                f"{PREFIX}KAFKA_PII_TOPIC must differ from {PREFIX}KAFKA_TOPIC:"
                " personal data never goes to the public topic"
            )
        if self.heartbeat_interval_ms >= self.session_timeout_ms:
            raise ValueError(
                f"{PREFIX}KAFKA_HEARTBEAT_INTERVAL_MS must be below"
                f" {PREFIX}KAFKA_SESSION_TIMEOUT_MS (a third of it or less is usual): got"
                f" {self.heartbeat_interval_ms} and {self.session_timeout_ms}"
            )
        return self

    def require_servers(self) -> list[str]:
        if not self.bootstrap_servers:
            raise SettingsError(
                f"{PREFIX}KAFKA_BOOTSTRAP_SERVERS is not set (e.g. 127.0.0.1:9092,other:9092)"
            )
        return list(self.bootstrap_servers)


class Settings(_FromEnv):
    model_config = SettingsConfigDict(env_prefix=PREFIX)

    database: Annotated[Database, NoDecode] = Field(
        default_factory=lambda: Database.parse(DEFAULT_DATABASE_URL),
        validation_alias=f"{PREFIX}DATABASE_URL",
    )
    aggregate_cache_size: Count = 10_000
    pool_size: AtLeastOne = 5  # event-store connections of a server process (connection_budget)
    read_connections: AtLeastOne = 2  # per server process: its read-model query threads
    # with POOL_WAIT_SECONDS, within a request's 10 s: a command that gets no connection,
    # or not the event table's lock, is answered 503 (retry), never left to time out
    lock_timeout_seconds: Count = 5
    # (year, scholarships), from BOLASHAK_AWARDS_TARGET_<YEAR>
    awards_targets: tuple[tuple[int, int], ...] = ()
    kafka: Kafka = Field(default_factory=Kafka)
    # the example consumer's own store
    consumer_database: Annotated[Database | None, NoDecode] = Field(
        default=None, validation_alias=f"{PREFIX}CONSUMER_DATABASE_URL"
    )
    # "production" turns GraphiQL, introspection, development keys and BOLASHAK_TODAY off
    mode: Literal["development", "production"] = "development"
    pii_master_key: Annotated[bytes, NoDecode] = Field(
        default=b"", repr=False, validate_default=True
    )  # never shown
    jwt_secret: str = Field(default="", repr=False)  # signs the API's tokens (api/auth.py)
    token_max_hours: AtLeastOne = TOKEN_MAX_HOURS
    # None: no window (a past campaign replayed: the demo, the benchmarks)
    backdating_window_days: Count | None = Field(default_factory=lambda: BACKDATING_WINDOW_DAYS)
    # the business clock's today, fixed (simulations and tests; refused in production)
    today: date | None = None
    cipher_key: str = Field(default="", repr=False)  # the library's whole-event cipher
    cipher_topic: str = Field(default="", repr=False)

    _AWARDS: ClassVar[re.Pattern[str]] = re.compile(r"\d{4}")

    @classmethod
    @override
    def _read(cls, environ: Mapping[str, str]) -> dict[str, Any]:
        """Also the group of ``BOLASHAK_KAFKA_*``, and the targets named by their year."""
        targets = {k: v for k, v in environ.items() if k.startswith(AWARDS_TARGET) and v.strip()}
        found = super()._read(environ)
        return {**found, "kafka": Kafka.from_env(environ), "awards_targets": targets}

    @field_validator("database", mode="before")
    @classmethod
    def _database(cls, value: object) -> object:
        return Database.parse(value) if isinstance(value, str) else value

    @field_validator("consumer_database", mode="before")
    @classmethod
    def _consumer_database(cls, value: object) -> object:
        if isinstance(value, str):
            return Database.parse(value, "CONSUMER_DATABASE_URL")
        return value

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("awards_targets", mode="before")
    @classmethod
    def _awards_targets(cls, value: object) -> object:
        if not isinstance(value, Mapping):
            return value
        found = []
        for key, raw in value.items():
            year = key.removeprefix(AWARDS_TARGET)
            if not cls._AWARDS.fullmatch(year):
                raise ValueError(f"{key}: the name must end in a year, e.g. {AWARDS_TARGET}2024")
            try:
                target = int(raw)
            except ValueError:
                raise ValueError(f"{key} must be a whole number, got {raw!r}") from None
            if target < 0:
                raise ValueError(f"{key} must be at least 0, got {target}")
            found.append((int(year), target))
        return tuple(sorted(found))

    @field_validator("pii_master_key", mode="before")
    @classmethod
    def _pii_master_key(cls, value: object, info: ValidationInfo) -> object:
        """Base64 of 32 bytes: required in production, else the development key."""
        if isinstance(value, bytes):
            return value or _unless_production(info)
        raw = str(value).strip()
        if not raw:
            return _unless_production(info)
        return decoded_master_key(raw)

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.today is not None and self.mode == "production":
            raise ValueError(f"{PREFIX}TODAY is for development and tests only")
        if self.cipher_topic and not self.cipher_key:
            raise ValueError(f"{PREFIX}CIPHER_TOPIC is set but {PREFIX}CIPHER_KEY is not")
        if self.cipher_key:
            try:
                size = len(base64.b64decode(self.cipher_key, validate=True))
            except (binascii.Error, ValueError):
                size = 0
            if size not in (16, 24, 32):
                raise ValueError(f"{PREFIX}CIPHER_KEY must be base64 of 16, 24 or 32 bytes")
        topic = self.cipher_topic
        if topic == PYCRYPTODOME_CIPHER_TOPIC and importlib.util.find_spec("Crypto") is None:
            raise ValueError(
                f"{PREFIX}CIPHER_TOPIC={topic} needs pycryptodome, which is not installed:"
                f" use {CIPHER_TOPIC} (the default)"
            )
        return self

    @property
    def production(self) -> bool:
        return self.mode == "production"

    @property
    def cipher(self) -> tuple[str, str]:
        """(topic, key) of the library's whole-event cipher, or ("", "") when off."""
        if not self.cipher_key:
            return ("", "")
        return (self.cipher_topic or CIPHER_TOPIC, self.cipher_key)

    def backdating_window(self) -> timedelta | None:
        days = self.backdating_window_days
        return None if days is None else timedelta(days=days)

    def replaying_history(self) -> Settings:
        """These settings without the backdating window: for replaying a past campaign
        (the demo, the benchmarks), whose business dates lie years before today."""
        return self.model_copy(update={"backdating_window_days": None})

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


def _unless_production(info: ValidationInfo) -> bytes:
    if info.data.get("mode") == "production":
        raise ValueError(
            f"{PII_MASTER_KEY} is required in production mode"
            " (base64 of 32 random bytes, e.g. from `openssl rand -base64 32`)"
        )
    return development_pii_key()


def decoded_master_key(raw: str) -> bytes:
    """``BOLASHAK_PII_MASTER_KEY``'s bytes (base64 of 32), never repeating the value."""
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise SettingsError(f"{PII_MASTER_KEY} must be base64 (of 32 bytes)") from None
    if len(key) != 32:
        raise SettingsError(f"{PII_MASTER_KEY} must be base64 of 32 bytes, got {len(key)} bytes")
    return key


def development_pii_key() -> bytes:
    """The development master key (never in production): the process environment's
    ``BOLASHAK_PII_MASTER_KEY`` when it has one (settings made from a partial mapping then
    agree with the processes this one starts), else a key created once under ``var/``."""
    if os.environ.get(PII_MASTER_KEY, "").strip():
        return decoded_master_key(os.environ[PII_MASTER_KEY].strip())
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
