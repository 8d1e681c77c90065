"""The broker settings (``BOLASHAK_KAFKA_*``) of the relay, the example consumer and the
eGov intake worker (``bolashak intake``)."""

from __future__ import annotations

import re
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from infra.settings.base import PREFIX, AtLeastOne, Count, FromEnv, SettingsError

TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")  # what Kafka accepts as a topic name


class Kafka(FromEnv):
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
    # the eGov intake (``bolashak intake``): the inbound topic of submissions, where the
    # messages it cannot turn into a stored case go (with the reason in a header), and
    # its consumer group
    intake_topic: str = "bolashak.intake"
    intake_dead_letter_topic: str = "bolashak.intake.dead-letter"
    intake_group: str = "bolashak-intake"

    @field_validator("bootstrap_servers", mode="before")
    @classmethod
    def _servers(cls, value: object) -> object:
        """``host:port[,host:port...]``."""
        if isinstance(value, str):
            return tuple(s.strip() for s in value.split(",") if s.strip())
        return value

    @field_validator("topic", "pii_topic", "intake_topic", "intake_dead_letter_topic")
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
        if not self.intake_topic or not self.intake_dead_letter_topic:
            raise ValueError(
                f"{PREFIX}KAFKA_INTAKE_TOPIC and {PREFIX}KAFKA_INTAKE_DEAD_LETTER_TOPIC"
                " may not be empty"
            )
        if self.intake_topic == self.intake_dead_letter_topic:
            raise ValueError(
                f"{PREFIX}KAFKA_INTAKE_DEAD_LETTER_TOPIC must differ from"
                f" {PREFIX}KAFKA_INTAKE_TOPIC: a dead letter would be read again"
            )
        if self.intake_topic in (self.topic, self.pii_topic):
            raise ValueError(
                f"{PREFIX}KAFKA_INTAKE_TOPIC must differ from the relay's topics: the intake"
                " would read the events the relay publishes as submissions"
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
