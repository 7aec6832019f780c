"""Slow and endless request heads against a real ``lms serve``: bounded in size and in time."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.servers import Server, serve

needs_proc = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="needs /proc to read the server's memory"
)
ENDLESS = 16 * 1024 * 1024  # what each client tries to send as one header


def _peak_rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024  # type: ignore[union-attr]


def _connect(server: Server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def _read_answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (b"" when it only closed or reset)."""
    chunks = []
    try:
        while data := sock.recv(65536):
            chunks.append(data)
    except OSError:
        pass
    return b"".join(chunks)


def _read_response(sock: socket.socket) -> bytes:
    """One response on a kept-alive connection: its head and ``Content-Length`` bytes of body."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"content-length: (\d+)", head.lower()).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        body += sock.recv(65536)
    return data


def _status_and_body(answer: bytes) -> tuple[int, dict[str, str], dict[str, object]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body)


def _endless_header(server: Server, results: list[int]) -> None:
    """Sends one header without end; records how much went out before the server cut it off."""
    sent = 0
    with _connect(server) as sock:
        try:
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: lms\r\nX-Endless: ")
            piece = b"a" * 65536
            while sent < ENDLESS:
                sock.sendall(piece)
                sent += len(piece)
        except OSError:
            pass
    results.append(sent)


@needs_proc
def test_endless_headers_are_cut_off_and_the_worker_does_not_grow(tmp_path: Path) -> None:
    with serve(tmp_path) as server:
        assert httpx.get(f"{server.url}/api/v1/health").status_code == 200
        Path(f"/proc/{server.process.pid}/clear_refs").write_text("5")  # the peak starts from now
        before = _peak_rss(server.process.pid)
        sent: list[int] = []
        clients = [threading.Thread(target=_endless_header, args=(server, sent)) for _ in range(10)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(60)
        growth = _peak_rss(server.process.pid) - before
        assert len(sent) == 10
        assert all(n < ENDLESS for n in sent), sent  # every client was cut off
        assert growth < 16 * 1024 * 1024, f"the worker grew by {growth} bytes"
        assert httpx.get(f"{server.url}/api/v1/health").status_code == 200


def test_a_head_over_the_bound_is_431_and_one_within_it_is_served(tmp_path: Path) -> None:
    with serve(tmp_path, LMS_MAX_HEADER_BYTES="8192") as server:
        with _connect(server) as sock:  # complete, in one piece: refused once it is parsed
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: lms\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n")
            status, headers, body = _status_and_body(_read_answer(sock))
        assert (status, body) == (431, {"detail": "Request header fields too large"})
        assert headers["content-type"] == "application/json"
        assert headers["x-content-type-options"] == "nosniff"
        assert len(headers["x-request-id"]) == 32
        assert headers["connection"] == "close"
        with _connect(server) as sock:  # in small pieces, never completed: refused at the bound
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: lms\r\n")
            for _ in range(40):
                sock.sendall(b"X-Many: " + b"b" * 200 + b"\r\n")
            status, _, body = _status_and_body(_read_answer(sock))
        assert (status, body) == (431, {"detail": "Request header fields too large"})
        ok = httpx.get(f"{server.url}/api/v1/health", headers={"X-Fine": "c" * 6000})
        assert ok.status_code == 200
        with _connect(server) as sock:  # not HTTP at all: uvicorn's 400, as JSON
            sock.sendall(b"\x00\x01 nonsense\r\n\r\n")
            status, headers, body = _status_and_body(_read_answer(sock))
        assert (status, body) == (400, {"detail": "Invalid HTTP request"})
        assert headers["x-content-type-options"] == "nosniff"


def test_unfinished_heads_are_disconnected_after_the_timeout(tmp_path: Path) -> None:
    with serve(tmp_path, LMS_HEADER_TIMEOUT_SECONDS="1") as server:
        half = [_connect(server) for _ in range(50)]
        silent = [_connect(server) for _ in range(50)]
        slow = _connect(server)
        start = time.monotonic()
        for sock in half:
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: lms\r\nX-Half: ")
        slow.sendall(b"GET /api/v1/health HTTP/1.1\r\n")
        time.sleep(0.6)
        slow.sendall(b"Host: lms\r\n")  # still sending, but the head is not done within the bound
        status, headers, body = _status_and_body(_read_answer(half[0]))
        assert (status, body) == (408, {"detail": "The request head was not completed in time"})
        assert headers["connection"] == "close"
        answers = [_read_answer(sock) for sock in half[1:]] + [_read_answer(slow)]
        assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers)
        assert all(_read_answer(sock) == b"" for sock in silent)  # closed without a word
        assert 0.9 < time.monotonic() - start < 5
        for sock in [*half, *silent, slow]:
            sock.close()
        # a request sent in time, also after a pause on a kept-alive connection, is served
        with _connect(server) as sock:
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: lms\r\n\r\n")
            assert _read_response(sock).startswith(b"HTTP/1.1 200 ")
            time.sleep(1.5)
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: lms\r\n\r\n")
            assert _read_response(sock).startswith(b"HTTP/1.1 200 ")
