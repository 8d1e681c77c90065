"""Erasure across processes (issue 19, section 1): ``bolashak serve --workers 2`` on
PostgreSQL with its projections worker. Cases are submitted and read back through fresh
connections, so that both server processes open them and cache their keys; then
``bolashak pii erase`` (a process of its own) erases one applicant. Right away, and again
once the read models caught up, every query that shows the case, with every field, and
every mutation of the case replayed with its idempotency key, each sent many times over
fresh connections (so both processes answer), shows none of the erased identity; another
applicant's identity is still shown."""

from __future__ import annotations

import subprocess
import time
from typing import Any

import pytest

from domain.case.meta import Role
from tests.e2e.conftest import LiveServer, ServerSpec, bolashak_command, server_environment
from tests.support import builders as b
from tests.support.authz import as_text, leaks, needles
from tests.support.erasure import QUERIES, Case, Post
from tests.support.journey import ERASURE_REASON

ROUNDS = 12  # of every request, each on a connection of its own
CATCH_UP_SECONDS = 20.0


def poster(server: LiveServer) -> Post:
    """Each request on a new connection: the kernel hands connections to either process."""

    def post(query: str, variables: dict[str, Any], role: Role) -> Any:
        headers = server.bearer(role, f"{role.value}-1")
        sent = {"query": query, "variables": variables}
        return server.http.post(server.graphql_url, json=sent, headers=headers).json()

    return post


def replays(server: LiveServer, case: Case) -> list[tuple[str, str]]:
    """(label, everything the client received) of every mutation of the case replayed."""
    found = []
    for n, (query, sent_input) in enumerate(case.sent):
        headers = server.bearer(Role.OFFICER, "officer-1")
        sent = {"query": query, "variables": {"input": sent_input}}
        response = server.http.post(server.graphql_url, json=sent, headers=headers)
        [answer] = response.json()["data"].values()
        assert answer["replayed"] is True, response.text
        found.append((f"replay {n}", as_text(response)))
    return found


def queries(server: LiveServer, case: Case) -> list[tuple[str, str]]:
    """(label, everything the client received) of every query that shows the case."""
    found = []
    for label, query in QUERIES.items():
        headers = server.bearer(Role.ADMIN, "admin-1")
        sent = {"query": query, "variables": case.variables(label)}
        response = server.http.post(server.graphql_url, json=sent, headers=headers)
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), response.text
        found.append((label, as_text(response)))
    return found


def shown(server: LiveServer, case: Case) -> dict[str, list[str]]:
    """What of the identity any answer showed, by label, over ``ROUNDS`` rounds of the
    replays, then of the queries (the replays first: a process that has the case in its
    cache answers a replay without reading the case back, while reading the case's whole
    history, as the queries do, also reads the erasure)."""
    found: dict[str, list[str]] = {}
    for ask in (replays, queries):
        for _ in range(ROUNDS):
            for label, text in ask(server, case):
                if hits := leaks(text, needles(case.identity)):
                    found[label] = hits
    return found


def erase(server: LiveServer, case_id: str, folder: Any) -> None:
    env = server_environment(server.database_url, production=False)
    args = ["pii", "erase", "--application", case_id, "--reason", ERASURE_REASON, "--yes"]
    done = subprocess.run(
        [*bolashak_command(), *args], env=env, cwd=folder, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")


def caught_up(server: LiveServer) -> None:
    deadline = time.monotonic() + CATCH_UP_SECONDS
    status = "{ projectionStatus { lag } }"
    while time.monotonic() < deadline:
        lags = poster(server)(status, {}, Role.ADMIN)["data"]["projectionStatus"]
        if all(p["lag"] == 0 for p in lags):
            return
        time.sleep(0.2)
    pytest.fail(f"the read models did not catch up\n{server.output()}")


@pytest.mark.parametrize(
    "live_server", [ServerSpec("postgres", processes=2)], indirect=True, ids=lambda s: s.id
)
def test_after_erasure_no_server_process_answers_with_the_identity(
    live_server: LiveServer, tmp_path: Any
) -> None:
    post = poster(live_server)
    case, kept = Case(b.unique_applicant()), Case(b.unique_applicant())
    for each in (case, kept):
        each.submit_and_assess(post)
    caught_up(live_server)
    assert shown(live_server, case) != {}  # the control: both processes showed it, and
    # opened it (histories and replays decode the submission: its key is cached in each)
    erase(live_server, case.id, tmp_path)
    assert shown(live_server, case) == {}
    caught_up(live_server)
    assert shown(live_server, case) == {}
    replays = {f"replay {n}" for n in range(len(kept.sent))}
    assert set(shown(live_server, kept)) == set(QUERIES) - {"auditTrail"} | replays
