"""Development secrets and private files: the keys a fresh checkout creates under ``var/``
(never in production) and the embedded store's files, readable by their owner only."""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from infra.settings.base import PREFIX, SettingsError

PII_MASTER_KEY = f"{PREFIX}PII_MASTER_KEY"
PII_DEV_KEY_FILE = Path("var") / "pii-master-dev.key"


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
