"""A PostgreSQL cluster of a test's own (initdb and pg_ctl of the installed server), on a
free port, so that the test may stop and start it without touching the shared server.

PostgreSQL refuses to run as root: as root, the cluster's folder is given to the
``postgres`` user and every server command runs as that user (``runuser``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from infra.settings import Database, Settings
from tests.support.broker import free_port

SERVER_BIN = Path(os.environ.get("BOLASHAK_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))


class PrivatePostgresUnavailableError(RuntimeError):
    """No PostgreSQL server binaries, or the cluster did not start."""


class PrivatePostgres:
    def __init__(self) -> None:
        if not (SERVER_BIN / "pg_ctl").exists():
            raise PrivatePostgresUnavailableError(f"no pg_ctl in {SERVER_BIN}")
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="bolashak-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as_owner: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self._as_owner = ["runuser", "-u", "postgres", "--"]

    def settings(self, dbname: str = "bolashak_private") -> Settings:
        url = f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"
        return Settings(database=Database.parse(url), pool_size=4)

    def _run(self, *args: str, timeout: float = 120) -> None:
        done = subprocess.run(
            [*self._as_owner, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PrivatePostgresUnavailableError(
                f"{' '.join(args)}: {done.stdout}{done.stderr}\n{tail}"
            )

    def init(self) -> PrivatePostgres:
        self._run(
            str(SERVER_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
        )
        return self.start()

    def start(self) -> PrivatePostgres:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root}"
            " -c max_connections=100 -c shared_buffers=32MB"
        )
        self._run(
            str(SERVER_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "start",
        )  # fmt: skip
        return self

    def stop(self, mode: str = "fast") -> None:
        """``fast``: sessions are ended and the server shuts down cleanly; ``immediate``:
        every server process quits at once, as in a crash (recovery on the next start)."""
        self._run(str(SERVER_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
