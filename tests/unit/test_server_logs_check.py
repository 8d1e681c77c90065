"""The check the session ends with (tests/support/server_logs.py) finds what it must."""

from __future__ import annotations

import random
from pathlib import Path

from api.auth import TokenKeys
from domain.case.meta import Role
from infra.simulation.people import synthetic_applicant
from tests.support.server_logs import leaks, leaks_in

PERSON = synthetic_applicant(random.Random(7))


def test_an_applicants_name_iin_and_a_token_are_each_found() -> None:
    token = TokenKeys("k" * 40).mint("officer-1", Role.OFFICER)
    line = f'{{"msg": "x", "name": "{PERSON.full_name}", "iin": "{PERSON.iin}", "t": "{token}"}}'
    kinds = sorted(leak.split()[0] for leak in leaks(line))
    assert kinds == ["IIN", "name", "token"]


def test_ordinary_log_lines_are_not_leaks() -> None:
    line = (
        '{"time": "2026-12-06T23:10:37Z", "event": "command", "command": "award",'
        ' "case": "3f1e0f4c-1d2b-5a6e-9c1a-0b2c3d4e5f60", "events": 1, "position": 1234567,'
        ' "user": "officer-1", "role": "officer", "duration_ms": 4.2}'
    )
    assert leaks(line) == []


def test_leaks_are_named_by_file_and_line(tmp_path: Path) -> None:
    log = tmp_path / "server.err"
    log.write_text(f"started\nsubmitted by {PERSON.full_name}\n", encoding="utf-8")
    assert list(leaks_in([log, tmp_path / "gone.err"])) == [f"{log}:2: name {PERSON.full_name}"]
