"""How much a store holds, for tests that check a refusal stored nothing."""

from __future__ import annotations

from typing import Any


def stored(application: Any) -> int:
    """The last notification id of the application's store (0 when empty)."""
    return int(application.recorder.max_notification_id() or 0)
