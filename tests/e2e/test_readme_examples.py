"""Every GraphQL example of the README returns what the README says, against a server as
``make run`` leaves it: a demo of the 2023 campaign (300 applications, seed 2023) simulated
up to today's date on the embedded store, then ``bolashak serve`` with its in-process
deadline job (issue 20, section 3)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.case.meta import Role
from tests.e2e.conftest import (
    LiveServer,
    make_run_server,
)

README = Path(__file__).parents[2] / "README.md"
EXAMPLE = re.compile(r"```graphql\n(.*?)```", re.DOTALL)


def _nodes(data: dict[str, Any], field: str) -> list[dict[str, Any]]:
    return [edge["node"] for edge in data[field]["edges"]]


def _revoked(data: dict[str, Any]) -> None:
    nodes = _nodes(data, "applications")
    assert nodes, "the few revoked scholars"
    assert all(n["stage"] == "REVOKED" and n["revokedOn"] for n in nodes)
    assert all(n["applicant"]["fullName"] for n in nodes)


def _signed(data: dict[str, Any]) -> None:
    nodes = _nodes(data, "deadlines")
    assert len(nodes) == 20, "most awards signed"
    assert all(n["state"] == "MET" and n["closedOn"] <= n["dueOn"] for n in nodes)


def _places(data: dict[str, Any]) -> None:
    total = data["quotas"]["total"]
    assert total["places"] == 555  # seed 001 line 36
    assert 0 < total["used"] <= total["places"], "the demo's awards fit the places"
    assert total["available"] == total["places"] - total["used"]
    shares = {c["category"]: c["counts"] for c in data["quotas"]["categories"]}
    assert shares["rural"]["places"] == 100  # CIP policy


# What each example returns, in the README's order (the first line names it).
CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "# the few scholars whose status was revoked": _revoked,
    "# most awards: contracts signed within their 90 days": _signed,
    "# the campaign's places: used, available, returned": _places,
}


def examples() -> list[str]:
    return EXAMPLE.findall(README.read_text(encoding="utf-8"))


def check_for(example: str) -> Callable[[dict[str, Any]], None]:
    found = [check for start, check in CHECKS.items() if example.startswith(start)]
    assert len(found) == 1, f"a README example with no check here:\n{example}"
    return found[0]


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``make run``: db init, demo (today's date: no BOLASHAK_TODAY), serve."""
    with make_run_server(tmp_path_factory.mktemp("make-run"), None) as server:
        yield server


def test_every_example_has_its_check() -> None:
    assert len(examples()) == len(CHECKS)
    for example in examples():
        check_for(example)


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.splitlines()[0][2:40])
def test_the_example_returns_what_the_readme_says(demo_server: LiveServer, example: str) -> None:
    response = httpx.post(
        demo_server.graphql_url,
        json={"query": example},
        headers=demo_server.bearer(Role.OFFICER, "officer-1"),
        timeout=30,
    )
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body
    check_for(example)(body["data"])


def test_the_demo_leaves_no_award_for_the_deadline_job_at_today(demo_server: LiveServer) -> None:
    """The campaign ended as a real one would: every award signed or revoked within the
    campaign (not all at once by the server's deadline job today)."""
    query = """{ awarded: applications(filter: {stage: AWARDED}) { edges { cursor } }
      revoked: applications(filter: {stage: REVOKED}, first: 100) {
        edges { node { revokedOn } } } }"""
    response = httpx.post(
        demo_server.graphql_url,
        json={"query": query},
        headers=demo_server.bearer(Role.OFFICER, "officer-1"),
        timeout=30,
    )
    data = response.json()["data"]
    assert data["awarded"]["edges"] == []
    revoked_on = [edge["node"]["revokedOn"] for edge in data["revoked"]["edges"]]
    assert revoked_on
    recent = (date.today() - timedelta(days=2)).isoformat()  # today in Astana, or near
    assert max(revoked_on) < recent, "revoked in the campaign, not by today's job"
