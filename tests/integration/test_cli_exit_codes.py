"""The command line's exit statuses follow the README's one table, and every error a person
can act on is one line naming what was wrong, with no traceback unless ``--debug``
(issue 20, section 3)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from api.cli.errors import Exit
from domain.case.meta import Role
from infra.users import API_ROLES

BOLASHAK = str(Path(sys.executable).parent / "bolashak")
README = Path(__file__).parents[2] / "README.md"
UNREACHABLE = "postgresql://someone:s3cret-pw@127.0.0.1:9/cases"  # nothing listens on 9
MISSING_CASE = "00000000-0000-0000-0000-000000000000"


def run(*args: str, db: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOLASHAK_")}
    env.update(BOLASHAK_DATABASE_URL=db, COLUMNS="200")
    return subprocess.run(
        [BOLASHAK, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("exit-codes")
    db = f"sqlite:///{folder}/cases.db"
    assert run("db", "init", db=db, cwd=folder).returncode == 0
    return db, folder


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The error's one line (and no traceback)."""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


def test_the_readme_has_one_table_of_exit_statuses_and_the_code_has_the_same() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Exit statuses", 1)[1].split("\n\n", 2)[1]
    rows = re.findall(r"^\| `(\d)` \| ([^|]+) \|", section, re.MULTILINE)
    assert [int(code) for code, _ in rows] == [status.value for status in Exit]
    assert text.count("Exit status:") == 0, "one table: no other list of statuses"


UNREACHABLE_COMMANDS = [
    ("users", "list"),
    ("db", "init"),
    ("projections", "status"),
    ("audit", "verify"),
    ("case", "show", MISSING_CASE),
    ("serve", "--port", "0"),
]


@pytest.fixture(scope="module")
def unreachable_answers(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[tuple[str, ...], subprocess.CompletedProcess[str]]:
    """Each command against the unreachable server run once as its own process, in a
    folder of its own, all six at the same time; each test then reads its own command's
    answer. Most wait 3 s for a connection before answering: one after another they took
    about 18 s, at once 8 s."""
    folders = [tmp_path_factory.mktemp("unreachable") for _ in UNREACHABLE_COMMANDS]

    def answer(args: tuple[str, ...], folder: Path) -> subprocess.CompletedProcess[str]:
        return run(*args, db=UNREACHABLE, cwd=folder)

    with ThreadPoolExecutor(len(UNREACHABLE_COMMANDS)) as pool:
        answers = pool.map(answer, UNREACHABLE_COMMANDS, folders)
        return dict(zip(UNREACHABLE_COMMANDS, answers, strict=True))


@pytest.mark.parametrize("args", UNREACHABLE_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_an_unreachable_postgresql_is_one_line_naming_the_url_without_password(
    args: tuple[str, ...],
    unreachable_answers: dict[tuple[str, ...], subprocess.CompletedProcess[str]],
) -> None:
    done = unreachable_answers[args]
    assert done.returncode == Exit.UNAVAILABLE, done.stderr
    line = one_line(done)
    assert "database unavailable: postgresql://someone@127.0.0.1:9/cases" in line
    assert "Connection refused" in line
    assert "s3cret-pw" not in done.stderr + done.stdout


def test_a_sqlite_file_in_a_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    done = run("db", "init", db="sqlite:///no/such/folder/cases.db", cwd=tmp_path)
    assert done.returncode == Exit.INPUT
    assert "the folder 'no/such/folder' of the SQLite file does not exist" in one_line(done)
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize(
    ("args", "status", "said"),
    [
        (("--version",), Exit.OK, "bolashak "),
        (("rules", "show", "no-such-ruleset"), Exit.NOT_FOUND, "no ruleset with id"),
        (("case", "show", MISSING_CASE), Exit.NOT_FOUND, "not found"),
        (("deadlines", "run", "--once", "--today", "2023-02-30"), Exit.INPUT, "--today"),
        (
            ("case", "run", "submit_application", "--data-file", "missing.json", "--on", "x"),
            Exit.INPUT,
            "no such file: missing.json",
        ),
        (
            (
                "case",
                "run",
                "withdraw",
                "--data",
                f'{{"applicationId": "{MISSING_CASE}"}}',
                "--on",
                "2023-02-30",
            ),
            Exit.INPUT,
            "--on: must be a date like 2023-04-28",
        ),
        (
            (
                "case",
                "run",
                "withdraw",
                "--data",
                f'{{"applicationId": "{MISSING_CASE}", "colour": "red"}}',
                "--on",
                "2023-05-01",
                "--backdating-reason",
                "test",
            ),
            Exit.INPUT,
            "colour: is not a field of this input",
        ),
        (
            (
                "case",
                "run",
                "award",
                "--data",
                f'{{"applicationId": "{MISSING_CASE}", '
                '"protocolNumber": "RK-1", "protocolDate": "2023-04-21"}',
                "--on",
                "2023-04-21",
            ),
            Exit.CHECK_FAILED,
            "may not award",
        ),
        (("token", "--role", "system", "--user", "x"), Exit.INPUT, "--role"),
    ],
    ids=lambda v: str(v[0]) if isinstance(v, tuple) else None,
)
def test_each_outcome_has_its_status_and_one_line(
    store: tuple[str, Path], args: tuple[str, ...], status: Exit, said: str
) -> None:
    db, folder = store
    done = run(*args, db=db, cwd=folder)
    assert done.returncode == status, done.stderr
    assert said in (done.stdout if status is Exit.OK else done.stderr)
    assert "Traceback" not in done.stderr


def test_debug_shows_the_traceback(store: tuple[str, Path]) -> None:
    db, folder = store
    done = run("--debug", "case", "show", MISSING_CASE, db=db, cwd=folder)
    assert done.returncode != 0
    assert "ApplicationNotFoundError" in done.stderr
    assert "Traceback" in done.stderr


def test_token_help_lists_only_the_roles_it_mints(tmp_path: Path) -> None:
    done = run("token", "--help", db="memory:", cwd=tmp_path)
    minted = re.search(r"<([a-z|]+)>", done.stdout.replace("\n", "").replace(" ", ""))
    assert minted is not None, done.stdout
    assert minted.group(1).split("|") == [r.value for r in API_ROLES]
    assert Role.SYSTEM.value not in done.stdout
    assert Role.APPLICANT.value not in done.stdout
