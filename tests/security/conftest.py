"""The security tests use the integration tests' real services (PostgreSQL and SQLite)."""

from tests.integration.conftest import postgres_settings, store_settings

__all__ = ["postgres_settings", "store_settings"]
