"""Every log a server or worker process of the suite wrote, and what must never be in one.

``ManagedProcess`` (tests/e2e/conftest.py: every server and worker the suite starts)
registers its output files here; when the session ends, ``tests/conftest.py`` reads them
all and fails the run on any applicant's name, IIN or bearer token in a line (issue 20:
logs carry user ids, roles and operation names, never personal data or credentials).

The suite's applicants are synthetic: their names come from the simulator's lists
(``infra/simulation/people.py``) and their IINs carry a valid check digit, so a leak is
found by its shape, whichever test made the person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from domain.iin import InvalidIinError, validate_iin
from infra.simulation.people import (
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    SURNAME_ROOTS,
    SURNAME_TAILS,
)

WRITTEN: list[Path] = []

_NAME = re.compile(
    f"(?:{'|'.join(SURNAME_ROOTS)})(?:{'|'.join(SURNAME_TAILS)})a? "
    f"(?:{'|'.join(FIRST_NAMES_F + FIRST_NAMES_M)})\\b"
)
_TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")
_TOKEN = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}")


def _is_iin(digits: str) -> bool:
    try:
        validate_iin(digits)
    except InvalidIinError:
        return False
    return True


def leaks(line: str) -> list[str]:
    """What in ``line`` is an applicant's name, an IIN or a bearer token, by kind."""
    found = [f"name {m}" for m in _NAME.findall(line)]
    found += [f"IIN {d}" for d in _TWELVE_DIGITS.findall(line) if _is_iin(d)]
    found += [f"token {t[:12]}..." for t in _TOKEN.findall(line)]
    return found


def leaks_in(files: Iterable[Path]) -> Iterator[str]:
    """``file:line: what`` for every leak in the files (those already removed skipped)."""
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for leak in leaks(line):
                yield f"{path}:{number}: {leak}"
