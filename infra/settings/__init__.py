"""Settings from the environment, all under the ``BOLASHAK_`` prefix, declared in one place.

Each setting is a typed field of a pydantic-settings model (``Settings``, and ``Kafka`` for
``BOLASHAK_KAFKA_*``, ``kafka.py``): its variable is the prefix and the field's name (or
its alias), its default and its rule are the field's. ``Settings.from_env`` reads the
process environment (or a given mapping, for tests and checked copies) and refuses a bad
value with a ``SettingsError`` naming the variable and the rule (``base.py``). Nothing
else reads ``os.environ``. ``library.py`` maps the settings to the event-sourcing
library's; ``files.py`` keeps the development keys and the embedded store's files private.

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
import importlib.util
import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict
from typing_extensions import override

from domain.rules.intake_windows import annual_awards_target
from infra.settings import library
from infra.settings.base import PREFIX, AtLeastOne, Count, FromEnv, SettingsError
from infra.settings.database_url import Database
from infra.settings.files import (
    PII_DEV_KEY_FILE,
    PII_MASTER_KEY,
    decoded_master_key,
    development_pii_key,
    private_database_file,
    secret_file,
    tighten_database_files,
)
from infra.settings.kafka import Kafka
from infra.settings.library import CIPHER_TOPIC, POOL_WAIT_SECONDS, PYCRYPTODOME_CIPHER_TOPIC
from infra.settings.public_defaults import refuse_public_defaults

__all__ = [
    "PII_DEV_KEY_FILE",
    "PII_MASTER_KEY",
    "POOL_WAIT_SECONDS",
    "PREFIX",
    "TOKEN_MAX_HOURS",
    "Database",
    "Kafka",
    "Settings",
    "SettingsError",
    "private_database_file",
    "secret_file",
    "tighten_database_files",
]

DEFAULT_DATABASE_URL = "sqlite:///var/bolashak.db"
# How many days before today a command's business date may lie without an admin's reason
# (BOLASHAK_BACKDATING_WINDOW_DAYS): a week of data-entry lag. Read when settings are made
# (a process replaying a past campaign, e.g. the test suite, may change it first).
BACKDATING_WINDOW_DAYS = 7
TOKEN_MAX_HOURS = 12  # the longest a bearer token may live (BOLASHAK_TOKEN_MAX_HOURS)
AWARDS_TARGET = f"{PREFIX}AWARDS_TARGET_"  # then the year: BOLASHAK_AWARDS_TARGET_2024
# Events a read model may lag behind the log's head while the server still counts as ready
# (BOLASHAK_READY_MAX_LAG): about a minute of a busy intake day's writes.
READY_MAX_LAG = 10_000


class Settings(FromEnv):
    """Every setting of a process, one field per ``BOLASHAK_*`` variable (README, Settings),
    made once by its entry point (``Settings.from_env``) and handed to the composition root
    (``infra/container.py``)."""

    model_config = SettingsConfigDict(env_prefix=PREFIX)

    database: Annotated[Database, NoDecode] = Field(
        default_factory=lambda: Database.parse(DEFAULT_DATABASE_URL),
        validation_alias=f"{PREFIX}DATABASE_URL",
    )
    aggregate_cache_size: Count = 10_000
    pool_size: AtLeastOne = 5  # event-store connections of a server process (connection_budget)
    read_connections: AtLeastOne = 2  # per server process: its read-model query threads
    # each process of ``serve --workers N`` (N > 1) on a core of its own (infra/cpu_pinning.py)
    pin_server_processes: bool = True
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
    # /health/ready answers 503 while a read model is further behind the log's head
    ready_max_lag: Count = READY_MAX_LAG
    # logs (infra/observability/logs.py): None chooses console on a terminal, JSON otherwise
    log_format: Literal["json", "console"] | None = None
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # the /metrics port of a worker that runs as its own process (projections, relay,
    # deadlines); None: no metrics server (the API serves its own /metrics)
    metrics_port: Annotated[int, Field(ge=1, le=65535)] | None = None
    # the standard variables of the libraries, read here so that nothing else reads the
    # environment: traces are exported over OTLP when the endpoint is set (the SDK reads
    # the other OTEL_* variables itself); prometheus-client's folder for several processes
    otel_exporter_otlp_endpoint: str = Field(
        default="", validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT"
    )
    prometheus_multiproc_dir: str = Field(default="", validation_alias="PROMETHEUS_MULTIPROC_DIR")

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

    @field_validator("mode", "log_format", "log_level", mode="before")
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
        if self.mode == "production":
            refuse_public_defaults(self.jwt_secret, self.pii_master_key, self.database.password)
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
        """The library's settings for this store (``infra/settings/library.py``)."""
        return library.eventsourcing_env(self, create_table=create_table, pool_size=pool_size)


def _unless_production(info: ValidationInfo) -> bytes:
    if info.data.get("mode") == "production":
        raise ValueError(
            f"{PII_MASTER_KEY} is required in production mode"
            " (base64 of 32 random bytes, e.g. from `openssl rand -base64 32`)"
        )
    return development_pii_key()
