"""GraphiQL works without internet: its assets come from the server itself (``api/ide.py``,
``api/static/graphiql/``). Headless Chromium, with every address but the loopback's
blocked, opens ``/graphql``, runs a query with the officer's token from the IDE's own
button, and shows the answer (issue 20, section 3)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

from api.ide import ASSETS, cdn_assets, graphiql_html
from domain.case.meta import Role
from tests.e2e.conftest import LiveServer
from tests.support.devtools import WAIT_SECONDS, browser, devtools

QUERY = "{ rulesets(policy: false) { id } }"


def test_every_asset_the_page_names_is_served_from_the_project() -> None:
    missing = [path for path in cdn_assets() if not (ASSETS / path).is_file()]
    assert not missing, f"refresh api/static/graphiql/ (its README.md): missing {missing}"
    assert "https://" not in graphiql_html()


def test_the_server_serves_each_asset_unchanged(
    shared_server: LiveServer,
) -> None:
    for path in cdn_assets():
        response = httpx.get(f"{shared_server.base_url}/static/graphiql/{path}", timeout=10)
        assert response.status_code == 200, path
        assert response.content == (ASSETS / path).read_bytes()


def test_graphiql_runs_a_query_with_the_officer_token_without_internet(
    shared_server: LiveServer, tmp_path: Path
) -> None:
    headers = json.dumps(
        {"Authorization": f"Bearer {shared_server.token(Role.OFFICER, 'officer-1')}"}
    )
    prefilled = urlencode({"q": QUERY, "headers": headers}, quote_via=quote)  # as the page reads
    address = f"{shared_server.graphql_url}?{prefilled}"
    with browser(tmp_path) as profile, devtools(profile) as tools:
        tools.go(address)
        tools.wait_for(
            "!!document.querySelector('.graphiql-execute-button')", "GraphiQL did not load"
        )
        tools.evaluate("document.querySelector('.graphiql-execute-button').click()")
        answer = tools.wait_for(
            "(document.querySelector('.result-window') || {}).innerText || ''",
            "no answer was shown",
        )
        deadline = time.monotonic() + WAIT_SECONDS
        while '"rulesets"' not in answer and time.monotonic() < deadline:
            time.sleep(0.25)
            answer = tools.evaluate("document.querySelector('.result-window').innerText")
    assert '"rulesets"' in answer, answer
    assert "eligibility-2023-campaign" in answer
    assert "errors" not in answer
