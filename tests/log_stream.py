"""A log stream that tests can read back and hold shut, and a fixture that restores logging."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator

import pytest

from lms_http.observability import stop_logging


class Stream:
    """A text stream that keeps what it is given, and whose ``write`` waits for ``gate`` when one is
    given (and notes the threads that wrote)."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.gate, self.text, self.writers = gate, "", set[int]()
        self.entered = threading.Event()

    def write(self, text: str) -> int:
        self.entered.set()
        self.writers.add(threading.get_ident())
        if self.gate is not None:
            assert self.gate.wait(30), "the test never opened the gate"
        self.text += text
        return len(text)

    def flush(self) -> None:
        return None

    def lines(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.text.splitlines()]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The root logger's handlers and level as they were, and no log writer, after the test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    stop_logging()
    root.handlers[:] = handlers
    root.setLevel(level)
