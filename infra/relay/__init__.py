"""The Kafka relay: the event store's notification log, published as CloudEvents."""
