"""Production refuses the secrets the project once published
(``infra/settings/public_defaults.py``)."""

from __future__ import annotations

import pytest

from infra.settings import Settings, SettingsError
from tests.conftest import TEST_PII_MASTER_KEY

PUBLISHED_JWT = "change-me-local-compose-only-0123456789abcdef"
PUBLISHED_PII_KEY = "9c6L8mb9G96RiOgS6iPg1tm+xrW6RqFuJZ3dYxrRpe4="  # sha256("local-compose-only")
OWN = {
    "BOLASHAK_MODE": "production",
    "BOLASHAK_JWT_SECRET": "an-operators-own-secret-" + "k" * 30,
    "BOLASHAK_PII_MASTER_KEY": TEST_PII_MASTER_KEY,
    "BOLASHAK_DATABASE_URL": "postgresql://bolashak:s3cret-of-its-own@db:5432/bolashak",
}


@pytest.mark.parametrize(
    ("setting", "published"),
    [
        ("BOLASHAK_JWT_SECRET", PUBLISHED_JWT),
        ("BOLASHAK_JWT_SECRET", "change-me"),  # the example file's placeholder
        ("BOLASHAK_PII_MASTER_KEY", PUBLISHED_PII_KEY),
        ("BOLASHAK_DATABASE_URL", "postgresql://bolashak:bolashak@postgres:5432/bolashak"),
        ("BOLASHAK_DATABASE_URL", "postgresql://bolashak:change-me@postgres:5432/bolashak"),
    ],
)
def test_production_refuses_a_published_secret_naming_its_setting(
    setting: str, published: str
) -> None:
    with pytest.raises(SettingsError, match=f"^{setting} holds a development default") as e:
        Settings.from_env({**OWN, setting: published})
    assert "\n" not in str(e.value)
    assert published not in str(e.value)  # a secret is never repeated, even a public one


def test_production_takes_secrets_of_its_own_and_development_the_published_ones() -> None:
    assert Settings.from_env(OWN).production
    published = {
        "BOLASHAK_JWT_SECRET": PUBLISHED_JWT,
        "BOLASHAK_PII_MASTER_KEY": PUBLISHED_PII_KEY,
        "BOLASHAK_DATABASE_URL": "postgresql://bolashak:bolashak@postgres:5432/bolashak",
    }
    assert not Settings.from_env(published).production  # a local try of the stack
