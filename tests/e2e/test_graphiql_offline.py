"""GraphiQL works without internet: its assets come from the server itself (``api/ide.py``,
``api/static/graphiql/``). Headless Chromium, with every address but the loopback's
blocked, opens ``/graphql``, runs a query with the officer's token from the IDE's own
button, and shows the answer (issue 20, section 3)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from api.ide import ASSETS, cdn_assets, graphiql_html
from domain.case.meta import Role
from tests.e2e.conftest import LiveServer

CHROMIUM = "/usr/bin/chromium"
QUERY = "{ rulesets(policy: false) { id } }"
WAIT_SECONDS = 60.0
OFFLINE = [  # every name resolves to nothing, every other address goes to a closed port
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def chromium() -> str:
    found = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is required under CI=true (make test installs it)")
    pytest.skip("chromium not installed (make test installs it)")


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


class DevTools:
    """Chromium's DevTools protocol over the page's websocket: just enough to evaluate."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.next_id = 0

    def evaluate(self, expression: str) -> Any:
        self.next_id += 1
        message = {"id": self.next_id, "method": "Runtime.evaluate"}
        message["params"] = {"expression": expression, "returnByValue": True}
        self.socket.send(json.dumps(message))
        while True:
            answer = json.loads(self.socket.recv(timeout=WAIT_SECONDS))
            if answer.get("id") == self.next_id:
                return answer.get("result", {}).get("result", {}).get("value")

    def wait_for(self, expression: str, what: str) -> Any:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.25)
        shown = self.evaluate("document.body.innerText.slice(0, 2000)")
        pytest.fail(f"{what} within {WAIT_SECONDS:g}s; the page shows:\n{shown}")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[bytes]]]:
    profile = tmp_path / "profile"
    args = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", *OFFLINE]
    args += ["--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"]
    with (tmp_path / "chromium.err").open("wb") as err:
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err)
    try:
        yield profile, process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def page_socket(profile: Path) -> str:
    """The websocket address of the browser's page (from the port Chromium chose)."""
    deadline = time.monotonic() + WAIT_SECONDS
    port_file = profile / "DevToolsActivePort"
    while time.monotonic() < deadline:
        if port_file.exists() and port_file.read_text().strip():
            port = port_file.read_text().split()[0]
            pages = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=5).json()
            found = [p["webSocketDebuggerUrl"] for p in pages if p.get("type") == "page"]
            if found:
                return str(found[0])
        time.sleep(0.2)
    pytest.fail("Chromium's DevTools did not answer")


def test_graphiql_runs_a_query_with_the_officer_token_without_internet(
    shared_server: LiveServer, browser: tuple[Path, subprocess.Popen[bytes]]
) -> None:
    headers = json.dumps(
        {"Authorization": f"Bearer {shared_server.token(Role.OFFICER, 'officer-1')}"}
    )
    prefilled = urlencode({"q": QUERY, "headers": headers}, quote_via=quote)  # as the page reads
    address = f"{shared_server.graphql_url}?{prefilled}"
    with connect(page_socket(browser[0]), max_size=None) as socket:
        tools = DevTools(socket)
        tools.evaluate(f"window.location.href = {json.dumps(address)}")
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
