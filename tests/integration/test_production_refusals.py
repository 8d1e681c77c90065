"""``bolashak serve`` in production mode with a published secret: one line, exit 2, and no
server (the compose file's former defaults, ``infra/settings/public_defaults.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_PII_MASTER_KEY
from tests.unit.test_public_defaults import PUBLISHED_JWT

BOLASHAK = str(Path(sys.executable).parent / "bolashak")


def test_serve_refuses_the_published_jwt_secret_in_production(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "BOLASHAK_MODE": "production",
        "BOLASHAK_DATABASE_URL": f"sqlite:///{tmp_path}/cases.db",
        "BOLASHAK_PII_MASTER_KEY": TEST_PII_MASTER_KEY,
        "BOLASHAK_JWT_SECRET": PUBLISHED_JWT,
        "COLUMNS": "300",
    }
    found = subprocess.run(
        [BOLASHAK, "serve", "--port", "0"], env=env, capture_output=True, text=True, timeout=60
    )
    assert found.returncode == 2
    lines = found.stderr.strip().splitlines()
    assert len(lines) == 1, found.stderr
    assert "BOLASHAK_JWT_SECRET holds a development default" in lines[0]
    assert PUBLISHED_JWT not in found.stderr + found.stdout
