"""The ``bolashak`` command line, run as a user runs it (a subprocess per command)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import builders as b
from tests.support.authz import graphql_input
from tests.support.cli import copy_of_store

BOLASHAK = str(Path(sys.executable).parent / "bolashak")


def bolashak(*args: str, db: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BOLASHAK_DATABASE_URL": db, "COLUMNS": "200"}
    result = subprocess.run(
        [BOLASHAK, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if check and result.returncode != 0:
        pytest.fail(f"bolashak {' '.join(args)} failed: {result.stdout}{result.stderr}")
    return result


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store made once for the module by ``bolashak db init``."""
    made = tmp_path_factory.mktemp("cli") / "cli.db"
    bolashak("db", "init", db=f"sqlite:///{made}")
    return made


@pytest.fixture
def db(initialised: Path, tmp_path: Path) -> str:
    """A copy of it of the test's own (a process per test cost each test 0.9 s)."""
    return copy_of_store(initialised, tmp_path)


def submission_json() -> str:
    """A package that meets every 2023 requirement (``tests.support.builders``) as the command
    line reads it: camelCase fields, enums by value."""
    package = b.submission(applicant=b.applicant(full_name="Nurbekova Dana"))
    return json.dumps(graphql_input(package, enums_by_value=True))


def submit(
    key: str, *, db: str, data: str = "", check: bool = True
) -> subprocess.CompletedProcess[str]:
    """The applicant submits ``data`` (by default ``submission_json()``) on 20 April 2023."""
    return bolashak(
        *("case", "run", "submit_application", "--data", data or submission_json()),
        *("--on", "2023-04-20", "--role", "applicant", "--key", key),
        db=db,
        check=check,
    )


def test_db_init_is_idempotent(db: str) -> None:
    assert "event store tables ready" in bolashak("db", "init", db=db).stdout


def test_a_submission_with_a_typo_is_refused_naming_the_field(db: str) -> None:
    typo = submission_json().replace("managesProductionProcess", "manageProductionProcess")
    result = submit("cli-1", db=db, data=typo, check=False)
    assert result.returncode == 2  # an input error
    assert "background.manageProductionProcess" in result.stderr
    assert "unknown_field" in result.stderr


def test_a_case_is_submitted_assessed_and_shown(db: str) -> None:
    case_id = json.loads(submit("cli-2", db=db).stdout)["applicationId"]
    again = submit("cli-2", db=db)
    assert json.loads(again.stdout)["replayed"] is True
    bolashak(
        "case",
        "run",
        "assess_eligibility",
        "--data",
        json.dumps({"applicationId": case_id}),
        "--on",
        "2023-04-25",
        db=db,
    )
    shown = json.loads(bolashak("case", "show", case_id, db=db).stdout)
    assert shown["stage"] == "eligible"
    assert "applicant" not in shown
    history = bolashak("case", "history", case_id, db=db).stdout
    assert "EligibilityAssessed" in history
    assert "Nurbekova" not in history
    assert "Nurbekova" in bolashak("case", "history", case_id, "--personal", db=db).stdout


def test_a_step_the_process_forbids_exits_with_the_rule(db: str) -> None:
    case_id = json.loads(submit("cli-3", db=db).stdout)["applicationId"]
    result = bolashak(
        "case",
        "run",
        "award",
        "--role",
        "commission",
        "--on",
        "2023-04-21",
        "--data",
        json.dumps(
            {"applicationId": case_id, "protocolNumber": "RK-1", "protocolDate": "2023-04-21"}
        ),
        db=db,
        check=False,
    )
    assert result.returncode == 1
    assert "commission_decides_after_interview" in result.stderr


def test_an_officer_may_not_award(db: str) -> None:
    result = bolashak(
        "case",
        "run",
        "award",
        "--data",
        json.dumps(
            {
                "applicationId": "00000000-0000-0000-0000-000000000000",
                "protocolNumber": "RK-1",
                "protocolDate": "2023-04-21",
            }
        ),
        db=db,
        check=False,
    )
    assert result.returncode == 1  # refused: the role may not
    assert "may not award" in result.stderr


def test_demo_simulates_a_campaign_and_prints_a_summary(db: str) -> None:
    out = bolashak("demo", "--applications", "25", "--seed", "7", db=db).stdout
    assert "25 applications" in out
    assert "2023-W" in out


def test_rules_are_listed_with_their_sources(db: str) -> None:
    out = bolashak("rules", "list", db=db).stdout
    assert "eligibility-2023-campaign" in out
    assert "001_ae4fa7f8f80c9f9c.txt" in out
    shown = json.loads(bolashak("rules", "show", "contract-deadline", db=db).stdout)
    assert shown["data"]["days_from_award"] == 90


def test_read_models_are_run_rebuilt_and_reported_from_the_command_line(db: str) -> None:
    bolashak("demo", "--applications", "12", "--seed", "3", db=db)
    submit("cli-rm", db=db)
    behind = bolashak("projections", "status", "--max-lag", "0", db=db, check=False)
    assert behind.returncode == 1
    assert "case_list" in behind.stdout
    assert "processed 1 notifications" in bolashak("projections", "run", "--once", db=db).stdout
    assert bolashak("projections", "status", "--max-lag", "0", db=db).returncode == 0
    rebuilt = bolashak("projections", "rebuild", "case_list", "audit_trail", db=db).stdout
    assert "events/s" in rebuilt
    assert "0 parked" in rebuilt
    board = json.loads(bolashak("dashboard", "--year", "2023", "--json", db=db).stdout)
    assert board["funnel"]["submitted"] == 13
    assert board["awards_target"] == 555
    assert board["lag"] == 0


def test_an_unknown_projection_name_is_refused_with_the_known_ones(db: str) -> None:
    result = bolashak("projections", "rebuild", "cases", db=db, check=False)
    assert result.returncode == 2
    assert "case_list" in result.stderr


def test_several_server_processes_need_postgresql_and_store_nothing_when_refused(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/refused.db"
    refused = bolashak("serve", "--workers", "2", db=url, check=False)
    assert refused.returncode == 2
    assert "--workers: more than one server process needs PostgreSQL" in refused.stderr
    assert not (tmp_path / "refused.db").exists()
