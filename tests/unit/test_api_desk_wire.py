"""The API line's HTTP client (``bench/api_desk.py``): each answer read whole by its
content-length however the server splits it, and a keep-alive connection the server closed
opened again with the request sent again."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import pytest
from tenacity import stop_after_delay

from bench.api_desk import ApiDesk, _Wire
from infra.settings import Settings

HEADERS = {"authorization": "Bearer t", "content-type": "application/json"}
BUSY = b'{"errors":[{"message":"busy","extensions":{"retryable":true}}]}'


@contextmanager
def server(
    answers_per_connection: int, split: bool, busy_first: int = 0
) -> Iterator[tuple[int, list[bytes]]]:
    """A server answering each request with its own body echoed, ``answers_per_connection``
    requests per connection before closing it; with ``split``, the status line, the headers
    and the body each in a send of their own, the body in two. The first ``busy_first``
    requests are answered 503 ("busy, retry") instead."""
    listener = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                buffer = b""
                for _ in range(answers_per_connection):
                    while b"\r\n\r\n" not in buffer:
                        buffer += connection.recv(65536)
                    head, _, buffer = buffer.partition(b"\r\n\r\n")
                    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                    while len(buffer) < length:
                        buffer += connection.recv(65536)
                    body, buffer = buffer[:length], buffer[length:]
                    received.append(body)
                    if len(received) <= busy_first:
                        body = BUSY
                    status = b"503 Service Unavailable" if body == BUSY else b"200 OK"
                    parts = [
                        b"HTTP/1.1 " + status + b"\r\n",
                        b"content-type: application/json\r\n"
                        + f"Content-Length: {len(body)}\r\n\r\n".encode(),
                        body[: len(body) // 2],
                        body[len(body) // 2 :],
                    ]
                    if split:
                        for part in parts:
                            connection.sendall(part)
                    else:
                        connection.sendall(b"".join(parts))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], received
    finally:
        listener.close()


def test_an_answer_split_across_sends_is_read_whole_by_its_content_length() -> None:
    with server(answers_per_connection=3, split=True) as (port, _):
        wire = _Wire("127.0.0.1", port)
        try:
            for body in (b'{"a":1}', b"x" * 200_000, b"{}"):
                assert wire.exchange("/graphql", HEADERS, body) == (200, body)
        finally:
            wire.close()


def test_a_connection_the_server_closed_is_opened_again_and_the_request_sent_again() -> None:
    with server(answers_per_connection=1, split=False) as (port, received):
        desk = ApiDesk(f"http://127.0.0.1:{port}/graphql", cast(Settings, None))
        try:
            answers: list[Any] = [desk._exchange(HEADERS, f"[{n}]".encode()) for n in range(3)]
        finally:
            desk.close()
    assert answers == [(200, b"[0]"), (200, b"[1]"), (200, b"[2]")]
    assert received == [b"[0]", b"[1]", b"[2]"]


def test_a_busy_answer_is_waited_out_and_the_request_sent_again() -> None:
    with server(answers_per_connection=10, split=False, busy_first=2) as (port, received):
        desk = ApiDesk(f"http://127.0.0.1:{port}/graphql", cast(Settings, None))
        try:
            answer = desk._answered(HEADERS, b"[7]")
        finally:
            desk.close()
    assert answer == (200, b"[7]")
    assert received == [b"[7]", b"[7]", b"[7]"]  # sent again after each busy answer


def test_a_server_busy_past_the_patience_is_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ApiDesk._answered.retry, "stop", stop_after_delay(0.3))
    with server(answers_per_connection=100, split=False, busy_first=100) as (port, received):
        desk = ApiDesk(f"http://127.0.0.1:{port}/graphql", cast(Settings, None))
        try:
            with pytest.raises(TimeoutError, match="stayed busy"):
                desk._answered(HEADERS, b"[7]")
        finally:
            desk.close()
    assert 2 <= len(received) < 100
