"""Headless Chromium driven over its DevTools protocol (websockets), for the end-to-end tests
of the pages the server serves (GraphiQL, the back-office page).

Debian's ``chromium`` package; a missing browser skips, except under ``CI=true`` where it
fails. The browser is offline: every name resolves to nothing and every address but the
loopback's goes to a closed port, so a page that needed a CDN would show it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

CHROMIUM = "/usr/bin/chromium"
WAIT_SECONDS = 60.0
NAVIGATED = "Inspected target navigated or closed"  # an evaluation cut short by navigation
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


class DevTools:
    """Chromium's DevTools protocol over the page's websocket: commands, and the events
    that arrive meanwhile (kept in ``events`` once a domain is enabled)."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Runs a command; its result (events arriving before it are kept)."""
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            answer = json.loads(self.socket.recv(timeout=WAIT_SECONDS))
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise AssertionError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            if "method" in answer:
                self.events.append(answer)

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, what: str) -> Any:
        """The expression's value once it is truthy; asked again when the page was still
        navigating (``go``), which answers an evaluation with an error instead of a value."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except AssertionError as e:
                if NAVIGATED not in str(e):
                    raise
                value = None
            if value:
                return value
            time.sleep(0.25)
        shown = self.evaluate("document.body.innerText.slice(0, 2000)")
        pytest.fail(f"{what} within {WAIT_SECONDS:g}s; the page shows:\n{shown}")

    def go(self, address: str) -> None:
        self.evaluate(f"window.location.href = {json.dumps(address)}")

    def screenshot(self, path: Path, width: int = 1280, height: int = 900) -> None:
        """A PNG of the whole page (as tall as its content, at least ``height``)."""
        metrics = {"width": width, "deviceScaleFactor": 1, "mobile": False}
        self.send("Emulation.setDeviceMetricsOverride", height=height, **metrics)
        full = self.evaluate("document.documentElement.scrollHeight") or height
        self.send("Emulation.setDeviceMetricsOverride", height=max(height, int(full)), **metrics)
        shot = self.send("Page.captureScreenshot", format="png")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        self.send("Emulation.clearDeviceMetricsOverride")


@contextlib.contextmanager
def browser(folder: Path) -> Iterator[Path]:
    """A headless, offline Chromium with a fresh profile in ``folder``; yields the profile
    (``page_socket`` finds its page); stopped afterwards."""
    profile = folder / "profile"
    args = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", *OFFLINE]
    args += ["--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"]
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "chromium.err").open("wb") as err:
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err)
    try:
        yield profile
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


@contextlib.contextmanager
def devtools(profile: Path) -> Iterator[DevTools]:
    """The DevTools of the browser's page."""
    with connect(page_socket(profile), max_size=None) as socket:
        yield DevTools(socket)
