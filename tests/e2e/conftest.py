"""Live servers for the end-to-end tests: ``bolashak serve`` as a real subprocess.

Each server listens on a free port of 127.0.0.1 and is used through its public interfaces
only (HTTP, websockets). On SQLite the store lives in the test's temporary folder and the
server runs its projections itself; on PostgreSQL a database of its own is created as
``bolashak db init`` creates it, the read models are kept by a ``bolashak projections run`` worker
process, and the database is dropped afterwards. When a test fails, the stderr of every
process it used is added to its report.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest

from api.auth import TokenKeys
from domain.case.meta import Role
from infra.container import register_users
from infra.database import drop_database, init_schema
from infra.settings import Settings
from tests.conftest import HISTORY_WINDOW_DAYS, TEST_PII_MASTER_KEY
from tests.integration.conftest import new_postgres_settings, postgres_unavailable
from tests.support import server_logs

SECRET = "e2e-jwt-secret-" + "0123456789abcdef" * 3  # >= 32 characters
TODAY = "2031-01-01"  # late enough for a whole case, the five-year work-off included
START_TIMEOUT = 30.0  # seconds until /health must answer
STOP_TIMEOUT = 10.0  # seconds between SIGTERM and SIGKILL
OUTPUT_SHOWN = 20_000  # characters of a process's stderr kept in a failure report


def bolashak_command() -> list[str]:
    """The ``bolashak`` entry point next to the interpreter running the tests (the venv)."""
    found = shutil.which("bolashak", path=str(Path(sys.executable).parent)) or shutil.which(
        "bolashak"
    )
    if found is None:
        pytest.fail("the bolashak entry point is not installed (pip install -e .)")
    return [found]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


PII_MASTER_KEY = TEST_PII_MASTER_KEY


def server_environment(database_url: str, *, production: bool) -> dict[str, str]:
    """The process environment without any BOLASHAK_ setting of the caller's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOLASHAK_")}
    env.update(
        BOLASHAK_DATABASE_URL=database_url,
        BOLASHAK_JWT_SECRET=SECRET,
        BOLASHAK_PII_MASTER_KEY=PII_MASTER_KEY,
        BOLASHAK_MODE="production" if production else "development",
        BOLASHAK_POOL_SIZE="4",
        BOLASHAK_BACKDATING_WINDOW_DAYS=str(HISTORY_WINDOW_DAYS),
        PYTHONUNBUFFERED="1",
    )
    if not production:  # production refuses a fixed "today"
        env["BOLASHAK_TODAY"] = TODAY
    return env


@dataclass
class ManagedProcess:
    """A subprocess whose output goes to files (a full pipe would block it)."""

    name: str
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    @classmethod
    def start(cls, name: str, args: list[str], env: dict[str, str], folder: Path) -> ManagedProcess:
        folder.mkdir(parents=True, exist_ok=True)
        stdout, stderr = folder / f"{name}.out", folder / f"{name}.err"
        server_logs.WRITTEN += [stdout, stderr]  # read for leaks when the session ends
        with stdout.open("wb") as out, stderr.open("wb") as err:
            process = subprocess.Popen(
                args, cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
            )
        return cls(name, process, stdout, stderr)

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        """The end of the process's stderr (and exit status, if it has ended)."""
        text = self.stderr.read_text(encoding="utf-8", errors="replace")
        if len(text) > OUTPUT_SHOWN:
            text = "...\n" + text[-OUTPUT_SHOWN:]
        status = self.process.poll()
        ended = "" if status is None else f"[{self.name} exited with status {status}]\n"
        return ended + (text or "(no output on stderr)")

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM, then SIGKILL if it has not ended within ``timeout`` seconds."""
        stop_together([self], timeout)

    def ended_within(self, timeout: float) -> None:
        """Waits for the process to end after its SIGTERM; SIGKILL after ``timeout``."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)
            warnings.warn(
                f"{self.name} did not stop within {timeout:g}s of SIGTERM: killed",
                pytest.PytestWarning,
                stacklevel=2,
            )


def stop_together(processes: list[ManagedProcess], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM to each process still running, in the order given, then waits for them
    all: they shut down at once rather than one after the other (a server and its
    projection worker take about 0.7 s each)."""
    running = [p for p in processes if p.alive()]
    for process in running:
        process.process.terminate()
    for process in running:
        process.ended_within(timeout)


@dataclass(frozen=True)
class ServerSpec:
    backend: str = "sqlite"  # "sqlite" or "postgres"
    production: bool = False
    processes: int = 1  # server processes (``--workers``; PostgreSQL only)

    @property
    def id(self) -> str:
        mode = "production" if self.production else "development"
        return f"{self.backend}-{mode}" + (f"-{self.processes}" if self.processes > 1 else "")


@dataclass
class LiveServer:
    """A running server: its addresses, tokens for it, and its processes."""

    spec: ServerSpec
    port: int
    processes: list[ManagedProcess] = field(default_factory=list)
    keys: TokenKeys = field(default_factory=lambda: TokenKeys(SECRET))
    database_url: str = ""
    registered: dict[str, Role] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def token(self, role: Role, user: str) -> str:
        """A token for ``user``, registered in the server's user directory with the role."""
        if self.registered.get(user) is not role:
            settings = Settings.from_env({"BOLASHAK_DATABASE_URL": self.database_url})
            register_users(settings, {user: role})
            self.registered[user] = role
        return self.keys.mint(user, role)

    def bearer(self, role: Role, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, user)}"}

    @functools.cached_property
    def http(self) -> httpx.Client:
        """A client that keeps no connection alive, so each request opens its own (the
        kernel hands it to either process of ``--workers 2``) and none is left to close;
        one for many requests, where ``httpx.post`` builds a TLS context for each (20 ms)."""
        return httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=0))

    def output(self) -> str:
        return "\n".join(f"--- {p.name} ---\n{p.output()}" for p in self.processes)


def _wait_for_health(server: LiveServer, process: ManagedProcess) -> str | None:
    """None once /health answers; else why not (the process ended, or time ran out)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if not process.alive():
            return "the server process ended before /health answered"
        try:
            response = httpx.get(f"{server.base_url}/health", timeout=2.0)
            if response.status_code == 200 and response.json().get("status") == "ok":
                return None
        except (httpx.TransportError, ValueError):
            pass
        time.sleep(0.1)
    return f"/health did not answer within {START_TIMEOUT:g}s"


def start_server(
    server: LiveServer, env: dict[str, str], folder: Path, extra: list[str]
) -> ManagedProcess:
    """Starts ``bolashak serve`` on ``server.port`` (another port if that one was taken)."""
    for attempt in range(3):
        args = [*bolashak_command(), "serve", "--host", "127.0.0.1", "--port", str(server.port)]
        process = ManagedProcess.start(f"server-{attempt}", [*args, *extra], env, folder)
        server.processes.append(process)
        problem = _wait_for_health(server, process)
        if problem is None:
            return process
        process.stop()
        if "address already in use" in process.output().lower():
            server.port = free_port()  # lost the race for the port: try another
            continue
        pytest.fail(f"{problem}\n{server.output()}", pytrace=False)
    pytest.fail(f"no free port after three attempts\n{server.output()}", pytrace=False)


def _server_processes(parent: int) -> int:
    """How many server processes uvicorn has spawned under ``parent``."""
    count = 0
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            spawned = b"spawn_main" in (entry / "cmdline").read_bytes()
        except OSError:  # not a process, or it has just ended
            continue
        if spawned and stat.rsplit(")", 1)[1].split()[1] == str(parent):
            count += 1
    return count


def _stop_all(server: LiveServer) -> None:
    stop_together(server.processes[::-1])  # the server first, then its worker


@contextlib.contextmanager
def live_server_for(spec: ServerSpec, folder: Path) -> Iterator[LiveServer]:
    """A running server for ``spec``; afterwards its processes are stopped, and then its
    PostgreSQL database is dropped."""
    folder.mkdir(parents=True, exist_ok=True)
    server = LiveServer(spec, free_port())
    with contextlib.ExitStack() as cleanup:  # callbacks run last registered, first run
        if spec.backend == "sqlite":
            env = server_environment(f"sqlite:///{folder}/cases.db", production=spec.production)
            server.database_url = env["BOLASHAK_DATABASE_URL"]
            cleanup.callback(_stop_all, server)
            start_server(server, env, folder, [])
        elif spec.backend == "postgres":
            settings = new_postgres_settings("bolashak_e2e")
            try:  # is the server there at all? (the test database does not exist yet)
                psycopg.connect(settings.database.dsn("postgres"), connect_timeout=5).close()
            except psycopg.OperationalError as e:
                postgres_unavailable(str(e).strip())
            env = server_environment(settings.database.url, production=spec.production)
            server.database_url = settings.database.url
            cleanup.callback(drop_database, settings.database)
            cleanup.callback(_stop_all, server)  # before the database is dropped
            # what ``bolashak db init`` runs, in this process (a process costs a second)
            init_schema(Settings.from_env(env))
            worker = ManagedProcess.start(
                "projections-worker", [*bolashak_command(), "projections", "run"], env, folder
            )
            server.processes.append(worker)
            workers = ["--workers", str(spec.processes)]
            process = start_server(server, env, folder, ["--no-workers-in-process", *workers])
            if spec.processes > 1:
                found = _server_processes(process.process.pid)
                assert found == spec.processes, f"{found} server processes\n{server.output()}"
            if not worker.alive():
                pytest.fail(f"the projections worker ended\n{server.output()}", pytrace=False)
        else:
            raise ValueError(f"unknown backend {spec.backend!r}")
        yield server


@pytest.fixture
def live_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    """A server of its own for one test; parametrize indirectly with a ``ServerSpec``."""
    spec: ServerSpec = getattr(request, "param", ServerSpec())
    with live_server_for(spec, tmp_path / "server") as server:
        yield server


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One SQLite server (development mode) for the tests of a module."""
    with live_server_for(ServerSpec(), tmp_path_factory.mktemp("shared-server")) as server:
        yield server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing test's report shows the stderr of the servers (and workers) it used."""
    report = yield
    if report.failed and isinstance(item, pytest.Function):
        for value in item.funcargs.values():
            if isinstance(value, LiveServer):
                report.sections.append((f"live server {value.spec.id} stderr", value.output()))
    return report


@contextlib.contextmanager
def make_run_server(folder: Path, today: str | None) -> Iterator[LiveServer]:
    """What ``make run`` starts: db init, the demo campaign (300 applications), serve, on a
    SQLite store in ``folder``; at business date ``today`` (None: the system clock)."""
    env = server_environment(f"sqlite:///{folder}/cases.db", production=False)
    env.pop("BOLASHAK_TODAY", None)
    if today is not None:
        env["BOLASHAK_TODAY"] = today
    server = LiveServer(ServerSpec(), free_port(), database_url=env["BOLASHAK_DATABASE_URL"])
    for step in (["db", "init"], ["demo", "--applications", "300"]):
        done = subprocess.run(
            [*bolashak_command(), *step], cwd=folder, env=env, capture_output=True, timeout=300
        )
        assert done.returncode == 0, done.stderr.decode(errors="replace")
    start_server(server, env, folder, [])
    try:
        yield server
    finally:
        _stop_all(server)
