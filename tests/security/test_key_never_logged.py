"""The JWT signing key (and the personal-data master key) never reach a log or an output.

The real server and the command line run as processes with every logger at DEBUG, a known
``BOLASHAK_JWT_SECRET`` and a random ``BOLASHAK_PII_MASTER_KEY``; they are given good and
bad tokens (over HTTP and the websocket), refusals and setting errors, and everything they
write on stdout and stderr is searched for either key, as it is and encoded.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import sys
import time
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from domain.case.meta import Role
from tests.e2e.conftest import (
    LiveServer,
    ManagedProcess,
    ServerSpec,
    _wait_for_health,
    free_port,
    server_environment,
)
from tests.support.authz import OMIT, forged_token, submission_input
from tests.support.cli import bolashak_here

pytestmark = pytest.mark.e2e

# ``bolashak`` with the root logger (and so every library's) at DEBUG.
DEBUG_BOLASHAK = (
    "import logging, sys; logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,"
    " format='%(levelname)s %(name)s %(message)s');"
    " logging.getLogger('bolashak').debug('every logger at DEBUG');"
    " from api.cli.main import app; sys.argv[0] = 'bolashak'; app()"
)
SUBMIT = "mutation M($input: SubmitApplicationInput!) { submitApplication(input: $input) {"
SUBMIT += " __typename } }"
QUERY = "query Q { applications(first: 5) { edges { node { id } } } }"


def forms(secret: str) -> list[str]:
    """The secret as written, and as base64 (standard, URL-safe) and hex of its bytes."""
    raw = secret.encode()
    encoded = (base64.b64encode(raw), base64.urlsafe_b64encode(raw))
    return [secret, raw.hex(), *(e.decode().rstrip("=") for e in encoded)]


def run_cli(args: list[str], env: dict[str, str], caplog: pytest.LogCaptureFixture) -> str:
    """The command in this process (a process each costs seconds), with what it printed
    and every log record it made."""
    caplog.clear()
    done = bolashak_here(args, env)
    records = caplog.text + "".join(f"{r.args!r}\n" for r in caplog.records)
    said = f"{done.stdout}\n{done.stderr}\n{records}"
    return f"$ bolashak {' '.join(args)} -> {done.exit_code}\n{said}"


def socket_answer(url: str, header: str) -> str:
    try:
        with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
            ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": header}}))
            return str(ws.recv(timeout=10))
    except ConnectionClosed as e:
        return f"closed {e.rcvd.code if e.rcvd else None}"


def test_the_signing_and_master_keys_never_appear_in_any_output_at_debug_level(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.chdir(tmp_path)  # a development key, if any, is written under var/ here
    jwt_secret = "jwt-never-logged-" + secrets.token_urlsafe(32)
    master_key = base64.b64encode(secrets.token_bytes(32)).decode()
    env = server_environment(f"sqlite:///{tmp_path}/cases.db", production=False)
    env.update(BOLASHAK_JWT_SECRET=jwt_secret, BOLASHAK_PII_MASTER_KEY=master_key)
    env.update(BOLASHAK_LOG_LEVEL="debug")  # the server's own logging, configured at start
    production = {**env, "BOLASHAK_MODE": "production"}
    production.pop("BOLASHAK_TODAY")
    outputs = [
        run_cli(["db", "init"], env, caplog),
        run_cli(["users", "add", "--user", "officer-1", "--role", "officer"], env, caplog),
        run_cli(["token", "--role", "officer", "--user", "officer-1"], production, caplog),
        run_cli(["token", "--role", "admin", "--user", "officer-1"], production, caplog),
        run_cli(["token", "--role", "officer", "--user", "stranger-1"], production, caplog),
        run_cli(["token", "--role", "auditor", "--user", "auditor-9"], env, caplog),
        run_cli(["users", "list"], env, caplog),
        run_cli(  # a setting error: a key too short, in production
            ["serve"], {**production, "BOLASHAK_JWT_SECRET": jwt_secret[:20]}, caplog
        ),
        run_cli(["serve"], {**env, "BOLASHAK_POOL_SIZE": "many"}, caplog),
    ]
    token = outputs[2].splitlines()[1]
    assert token.count(".") == 2, outputs[2]  # the control: the CLI's output is captured
    assert "missing role" in outputs[3]
    assert "no user 'stranger-1'" in outputs[4]
    assert "at least 32 characters" in outputs[7]

    server = LiveServer(ServerSpec(), free_port())
    args = [sys.executable, "-c", DEBUG_BOLASHAK, "serve", "--port", str(server.port)]
    process = ManagedProcess.start("server", args, env, tmp_path / "server")  # at DEBUG
    server.processes.append(process)
    try:
        assert _wait_for_health(server, process) is None, server.output()
        hour_ago = int(time.time()) - 3600
        tokens = {
            "good": token,
            "another key": forged_token(secret="another-secret-" + "q" * 40),
            "expired": forged_token(secret=jwt_secret, iat=hour_ago - 60, exp=hour_ago),
            "alg none": forged_token(algorithm="none"),
            "unknown user": forged_token(secret=jwt_secret, sub="stranger-2"),
            "missing role": forged_token(secret=jwt_secret, role=Role.ADMIN.value),
            "no subject": forged_token(secret=jwt_secret, sub=OMIT),
            "not a JWT": "not.a.jwt",
        }
        answers = []
        for kind, sent in tokens.items():
            headers = {"authorization": f"Bearer {sent}"}
            for body in (
                {"query": QUERY},
                {"query": SUBMIT, "variables": {"input": {"applicant": {"iin": "1"}}}},
                {"query": SUBMIT, "variables": {"input": submission_input() | _context(kind)}},
                {"query": "{ nonsense"},
            ):
                response = httpx.post(server.graphql_url, json=body, headers=headers, timeout=30)
                answers.append(f"{kind}: {response.status_code} {response.text}")
            answers.append(f"{kind} websocket: {socket_answer(server.ws_url, f'Bearer {sent}')}")
        good = [a for a in answers if a.startswith("good: 200")]
        refused = [a for a in answers if " 401 " in a]
        assert len(good) == 4, answers  # the controls: the good token is let in,
        assert len(refused) == 4 * (len(tokens) - 1), answers  # every other one is not
    finally:
        process.stop()
    outputs.append(server.output())
    outputs += answers
    captured = "\n".join(outputs)
    assert "DEBUG bolashak every logger at DEBUG" in captured  # the control: logged at DEBUG
    for name, secret in (("JWT secret", jwt_secret), ("PII master key", master_key)):
        shown = [form for form in forms(secret) if form in captured]
        assert not shown, f"the {name} appears in the output:\n{captured[-5000:]}"


def _context(kind: str) -> dict[str, str]:
    return {"idempotencyKey": f"never-logged-{kind}", "occurredOn": "2023-04-20"}
