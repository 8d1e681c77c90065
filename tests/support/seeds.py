"""The seed documents the rulesets cite, as test data (``tests/data/seeds``), and their lines.

The copies carry the seeds' own file names (shared/seeds of the project's source documents).
Only the seeds something cites are copied: 003 (the 2023-2029 concept, 340 kB) is cited by
no ruleset; a citation of it fails the citation test until it is copied here too. The copies
are checked against the SHA-256 of the originals (``SEED_SHA256``), so a seed is never
"fixed" to make a citation pass.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

SEED_000 = "000_770805826025d091.txt"
SEED_001 = "001_ae4fa7f8f80c9f9c.txt"
SEED_002 = "002_256c9849c3da6b40.txt"
SEED_003 = "003_0ca6573a83f85cd1.txt"
SEED_004 = "004_b0e54fa110e107c6.txt"

SEEDS_DIR = Path(__file__).resolve().parents[1] / "data" / "seeds"

# sha256sum of the original files (shared/seeds), taken when they were copied.
SEED_SHA256 = {
    SEED_000: "d678897fa2d80e4420164a7253b8c7ad714e9d1b7c2974f74fd5ecb98ef918f9",
    SEED_001: "6ade9740235eafd3c2208c2063886df0d435cc2b96f553d0bdfdfbeb8e83ecd6",
    SEED_002: "770fbdcd1915f1e9aabe29368d0415199555271e57f8603bb34674bd58a72563",
    SEED_004: "7f01732e534dc49fb35f5c72cc28b9a6f3879b59239e19504cd48bf86cd7fb95",
}


@cache
def seed_lines(seed: str) -> tuple[str, ...]:
    """The seed's lines (line N is ``seed_lines(seed)[N - 1]``)."""
    return tuple((SEEDS_DIR / seed).read_text(encoding="utf-8").splitlines())


SEED_LINES = {seed: len(seed_lines(seed)) for seed in SEED_SHA256}
SEED_BY_NUMBER = {seed[:3]: seed for seed in SEED_SHA256}  # "001" -> "001_ae4f....txt"


def copied_seed_lines(seed: str) -> tuple[str, ...] | None:
    """The seed's lines, or None for a seed not copied into the test data."""
    return seed_lines(seed) if seed in SEED_SHA256 else None


def line_ranges(cited: str) -> list[tuple[int, int]]:
    """``"84-115, 556-557"`` -> ``[(84, 115), (556, 557)]``."""
    ranges = []
    for part in cited.split(","):
        low, _, high = part.strip().partition("-")
        ranges.append((int(low), int(high or low)))
    return ranges
