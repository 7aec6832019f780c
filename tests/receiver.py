"""A real HTTP receiver for deliveries: a threaded stdlib server that keeps every request and
answers with the status the test sets (or hangs, to stand for a receiver that never answers)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Delivered", "Receiver", "receiver"]


@dataclass(frozen=True)
class Delivered:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int
    status: int = 200
    got: list[Delivered] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def received(self) -> list[Delivered]:
        with self.lock:
            return list(self.got)

    def wait_for(self, check: Callable[[list[Delivered]], bool], timeout: float = 10.0) -> list[Delivered]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received()
            if check(got):
                return got
            time.sleep(0.02)
        raise AssertionError(
            f"the receiver did not get what was expected within {timeout} s: {self.received()}"
        )


@contextlib.contextmanager
def receiver() -> Iterator[Receiver]:
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            me = state["receiver"]
            with me.lock:
                me.got.append(Delivered(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                status = me.status
            self.send_response(status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["receiver"] = Receiver(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["receiver"]
    finally:
        server.shutdown()
        server.server_close()
