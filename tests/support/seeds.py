"""The seed documents the rulesets cite (shared/seeds), and their line counts.

The counts are recorded here so that citations are checked on every machine; where the seed
files themselves are present (``BOLASHAK_SEEDS_DIR``, or ``../shared/seeds`` beside the
checkout, or ``/work/shared/seeds``), a test also checks the counts against the files.
"""

from __future__ import annotations

import os
from pathlib import Path

SEED_000 = "000_770805826025d091.txt"
SEED_001 = "001_ae4fa7f8f80c9f9c.txt"
SEED_002 = "002_256c9849c3da6b40.txt"
SEED_003 = "003_0ca6573a83f85cd1.txt"
SEED_004 = "004_b0e54fa110e107c6.txt"
SEED_LINES = {SEED_000: 509, SEED_001: 577, SEED_002: 1971, SEED_003: 5969, SEED_004: 331}

_REPO = Path(__file__).resolve().parents[2]


def seeds_dir() -> Path | None:
    candidates: list[str | Path] = [
        os.environ.get("BOLASHAK_SEEDS_DIR", ""),
        _REPO.parent / "shared" / "seeds",
        "/work/shared/seeds",
    ]
    return next((Path(c) for c in candidates if c and Path(c, SEED_001).is_file()), None)


def line_ranges(cited: str) -> list[tuple[int, int]]:
    """``"84-115, 556-557"`` -> ``[(84, 115), (556, 557)]``."""
    ranges = []
    for part in cited.split(","):
        low, _, high = part.strip().partition("-")
        ranges.append((int(low), int(high or low)))
    return ranges
