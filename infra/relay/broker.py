"""The relay's producer and topics, configured for no loss: ``acks=all``, idempotence where
the broker supports it, retries with backoff within a delivery timeout."""

from __future__ import annotations

import logging
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import IncompatibleBrokerVersion, TopicAlreadyExistsError, UnsupportedVersionError

from infra.settings import Kafka

log = logging.getLogger(__name__)
LINGER_MS = 5
BATCH_BYTES = 256 * 1024


def producer_config(kafka: Kafka) -> dict[str, Any]:
    """The producer's settings (the benchmark's plain producer uses the same)."""
    delivery = kafka.delivery_timeout_ms
    return {
        "bootstrap_servers": kafka.require_servers(),
        "client_id": kafka.client_id,
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": LINGER_MS,
        "batch_size": BATCH_BYTES,
        # fewer bytes for the broker to take in: about 2-3x the messages/s on the local
        # broker (bench/kafka_relay.py), and every Kafka client reads gzip
        "compression_type": kafka.compression or None,
        "retry_backoff_ms": 200,
        "reconnect_backoff_max_ms": 5000,
        "request_timeout_ms": max(500, min(30_000, delivery - LINGER_MS - 100)),
        "delivery_timeout_ms": delivery,
        "max_block_ms": delivery,
    }


def new_producer(kafka: Kafka) -> KafkaProducer:
    config = producer_config(kafka)
    try:
        return KafkaProducer(**config)
    except (IncompatibleBrokerVersion, UnsupportedVersionError) as e:
        log.warning("the broker does not support idempotent producing (%s); acks=all only", e)
        return KafkaProducer(**{**config, "enable_idempotence": False})


def ensure_topics(kafka: Kafka, topics: list[str] | None = None) -> list[str]:
    """Creates the relay's topics (or ``topics``) when missing; returns those it created."""
    wanted = [t for t in (topics or [kafka.topic, kafka.pii_topic]) if t]
    admin = KafkaAdminClient(
        bootstrap_servers=kafka.require_servers(),
        client_id=f"{kafka.client_id}-admin",
        request_timeout_ms=max(1000, min(kafka.delivery_timeout_ms, 30_000)),
    )
    created = []
    try:
        existing = set(admin.list_topics())
        for topic in wanted:
            if topic in existing:
                continue
            try:
                admin.create_topics([NewTopic(topic, kafka.partitions, kafka.replication_factor)])
                created.append(topic)
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()
    return created
