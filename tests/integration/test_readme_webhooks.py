"""README's webhook commands and its receiver, run as written against a real server: the receiver
checks the signature with the ``standardwebhooks`` package and prints the test event.

The changes made to the commands: the server's and the receiver's ports are free ones, ``lms`` and
``python3`` are this test's interpreter (which has ``standardwebhooks``), and the server allows
loopback receivers, as README says it must."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import free_port
from tests.servers import serve

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
PRINTED = re.compile(r"webhook\.test (\{[^\n]*?\})$", re.M)


def block(language: str, first_line: str) -> str:
    found = re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.M | re.S)
    (chosen,) = [b for b in found if b.startswith(first_line)]
    return str(chosen)


def helpers() -> str:
    """The tour's shell functions (``login``, ``field``) the webhook commands use."""
    tour = block("sh", ".venv/bin/lms create-user teach@example.com")
    start = tour.index("login() {")
    return tour[start : tour.index("TEACH=", start)]


def test_readme_webhook_commands_and_receiver(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'lms.db'}"
    env = {"LMS_DATABASE_URL": database, "LMS_WEBHOOK_ALLOW_PRIVATE": "true"}
    port = free_port()
    receiver = block("python", "# receiver.py").replace("9000", str(port))
    (tmp_path / "receiver.py").write_text(receiver)
    commands = (
        block("sh", "# webhooks: an admin registers one")
        .replace("9000", str(port))
        .replace(".venv/bin/lms", f"{sys.executable} -m lms_http.cli")
        .replace("python3 receiver.py", f"{sys.executable} receiver.py")
    )
    output = tmp_path / "output.txt"
    with serve(tmp_path / "server", **env) as server:
        script = f"set -e\nAPI={server.url}/api/v1\n{helpers()}\n{commands}\nsleep 2\n"
        shell_env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")} | env
        with output.open("wb") as out:
            shell = subprocess.Popen(
                ["bash", "-c", script],
                cwd=tmp_path,
                env=shell_env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                assert shell.wait(60) == 0, output.read_text()
                deadline = time.monotonic() + 15  # a try before the receiver listened waits 5 s
                while PRINTED.search(output.read_text()) is None and time.monotonic() < deadline:
                    time.sleep(0.1)
            finally:
                os.killpg(shell.pid, signal.SIGTERM)  # the receiver the commands left running
    text = output.read_text()
    printed = PRINTED.search(text)  # curl's answers end without a newline: the receiver's line may follow one
    assert printed is not None, text
    data = json.loads(printed.group(1))
    log = json.loads(re.findall(r'(\{"total".*\})', text)[-1])
    assert log["items"][0]["event_type"] == "webhook.test"
    assert set(data) == {"webhook_id"}
