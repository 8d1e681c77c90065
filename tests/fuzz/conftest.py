"""The fuzz tests use the end-to-end tests' live server (``bolashak serve`` as a real
subprocess on SQLite, development mode), with its failure reports (the server's stderr)."""

from tests.e2e.conftest import pytest_runtest_makereport, shared_server

__all__ = ["pytest_runtest_makereport", "shared_server"]
