"""Real server processes and a TCP proxy that tests can cut, for fault and multi-instance tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import free_port, wait_for_http

__all__ = ["Server", "TcpProxy", "private_redis", "serve", "worker"]

FAST_ENV = {
    "LMS_ARGON2_MEMORY_KIB": "1024",
    "LMS_ARGON2_TIME_COST": "1",
    "LMS_RATE_LIMIT_AUTH": "10000/minute",
    "LMS_RATE_LIMIT_DEFAULT": "100000/minute",
    "LMS_LOG_LEVEL": "WARNING",
}


class Server:
    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process, self.port = process, port
        self.url = f"http://127.0.0.1:{port}"

    def signal(self, sig: int) -> None:
        self.process.send_signal(sig)


@contextlib.contextmanager
def _lms(
    command: str, tmp_path: Path, log_name: str, env: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    """``lms <command>`` in a subprocess with ``env`` (and none of the caller's LMS_ settings),
    its output in ``tmp_path / log_name``; SIGTERM (then SIGKILL after 30 s) when done."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    full.update(FAST_ENV)
    full.update(LMS_VAR_DIR=str(tmp_path / "var"), **env)
    tmp_path.mkdir(parents=True, exist_ok=True)
    with (tmp_path / log_name).open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "lms_http.cli", command],
            env=full,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@contextlib.contextmanager
def serve(tmp_path: Path, **env: str) -> Iterator[Server]:
    """``lms serve`` in a subprocess with ``env`` (and none of the caller's LMS_ settings)."""
    port = free_port()
    with _lms("serve", tmp_path, f"server-{port}.log", {"LMS_PORT": str(port), **env}) as process:
        wait_for_http(f"http://127.0.0.1:{port}/api/v1/health", process)
        yield Server(process, port)


@contextlib.contextmanager
def worker(tmp_path: Path, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """``lms worker`` (deliveries, no HTTP) in a subprocess with ``env``, as ``serve`` does."""
    name = f"worker-{len(list(tmp_path.glob('worker-*.log')))}.log"
    with _lms("worker", tmp_path, name, env) as process:
        yield process


class TcpProxy:
    """Forwards a local port to ``target``; ``cut()`` drops every connection and refuses new ones."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):  # wakes the thread blocked in accept()
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self._conns.clear()

    def __enter__(self) -> TcpProxy:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cut()


@contextlib.contextmanager
def private_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes], int]]:
    """A redis-server of the test's own on a free port (so stopping it disturbs nothing else)."""
    port = free_port()
    args = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(tmp_path),
        "--enable-debug-command",  # DEBUG SLEEP: tests stall it on purpose
        "local",
    ]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            import time

            time.sleep(0.05)
    client.close()
    try:
        yield f"redis://127.0.0.1:{port}/0", process, port
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(10)
