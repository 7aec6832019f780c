"""README.md's commands, run as a newcomer runs them: on a copy of the project, in a fresh shell whose
PATH has no ``~/.local/bin`` (where pip puts uv) and no ``uv`` at all, and no ``LMS_`` settings.

``make run`` serves the copy (from a ``.venv`` it creates with the runtime dependencies only), then
the ``lms`` commands, the tour and the library example run against it, one shell after another.
Every ``sh`` block of the README is listed in ``BLOCKS``, run or left out with the reason, so a new
block cannot go untested unnoticed. The one change made to the commands: the tour's port 8000 is
replaced by a free one (another server may be listening on 8000)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_cli import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

# Each sh block of the README by its first line: "run", or why it is not run here.
BLOCKS = {
    "make run    # installs what is missing": "run: make run serves the copy; make test is what runs this",
    "LMS_TEST_DATABASE_URL=postgresql://": "no: it runs this suite (test_test_runs.py: a new database)",
    "docker compose up -d minio": "no: needs a Docker engine (tests/unit/test_deploy_files.py)",
    ".venv/bin/lms serve ": "run: every line but `lms serve`, which is what make run runs",
    "API=http://127.0.0.1:8000/api/v1": "run",
    ".venv/bin/lms create-user teach@example.com": "run",
    "QUIZ=$(curl": "run",
    "NEXT=$(curl": "run",
    "CERT=$(curl": "run",
    "curl -s $API/analytics/student": "run",
    "ADMIN=$(login boss@example.com": "run",
    "# webhooks: an admin registers one": "no: needs a receiver and LMS_WEBHOOK_ALLOW_PRIVATE=true "
    "(test_readme_webhooks.py runs it with README's receiver)",
    "ls var/mail/ && grep -h": "run: the tour's registrations left their messages there",
    "LMS_SMTP_URL='smtp://apikey": "run: it only sets shell variables (their parsing: test_settings.py)",
}
# the development group, which `make run` leaves out
DEV_ONLY = ("pytest", "mypy", "ruff", "schemathesis", "moto", "matplotlib", "hypothesis", "import_linter")
_SKIP_COPY = {
    ".git",
    ".venv",
    "var",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
}


def readme_blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README.read_text(), flags=re.M | re.S)


def fresh_path() -> str:
    """The caller's PATH without ~/.local/bin, any folder that has a `uv`, and the test's own
    virtualenv (`uv run` and `make test` put it first)."""
    local_bin = str(Path.home() / ".local" / "bin")
    kept = [
        d
        for d in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
        if d
        and d.rstrip("/") != local_bin
        and not (Path(d) / "uv").exists()
        and not (Path(d).parent / "pyvenv.cfg").exists()
    ]
    return os.pathsep.join(kept)


# What a new login shell would not have: our settings, and what make, uv and pytest set for their children.
_NOT_FRESH = re.compile(r"^(LMS_|UV_|VIRTUAL_ENV|MAKE|MFLAGS|PYTEST_|PYTHONPATH|COV_|CI$)")


def fresh_env(**more: str) -> dict[str, str]:
    """The machine's environment (certificates, proxies, locale) as a new shell has it."""
    path = fresh_path()
    assert shutil.which("uv", path=path) is None
    env = {k: v for k, v in os.environ.items() if not _NOT_FRESH.match(k)}
    return {**env, "PATH": path, **more}


def test_every_sh_block_of_the_readme_is_accounted_for() -> None:
    firsts = [block.splitlines()[0] for block in readme_blocks("sh")]
    for first in firsts:
        assert any(first.startswith(known) for known in BLOCKS), f"README block not run or excused: {first!r}"
    assert len(firsts) == len(BLOCKS), firsts
    assert not any("uv run" in block for block in readme_blocks("sh")), "`uv` is not on a newcomer's PATH"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project as a clone has it (no .venv, no var/)."""
    copy = tmp_path / "lms"
    shutil.copytree(ROOT, copy, ignore=lambda _dir, names: [n for n in names if n in _SKIP_COPY])
    return copy


@pytest.fixture
def served(project: Path, tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """`make run` in the copy, in a fresh shell, on a free port."""
    port = free_port()
    log = (tmp_path / "make-run.log").open("wb")
    make = subprocess.Popen(
        ["make", "run"],
        cwd=project,
        env=fresh_env(LMS_PORT=str(port)),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: make, uv, lms and uvicorn stop together
    )
    try:
        try:
            wait_for(f"http://127.0.0.1:{port}/api/v1/health", seconds=240)
        except Exception:
            pytest.fail(f"make run did not serve:\n{(tmp_path / 'make-run.log').read_text()[-3000:]}")
        yield project, port
    finally:
        os.killpg(make.pid, signal.SIGTERM)
        try:
            make.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()
        log.close()


def bash(script: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=fresh_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.timeout(600)  # a venv, a server, the demo data and the tour: about a minute
def test_the_readme_works_in_a_fresh_shell(served: tuple[Path, int]) -> None:
    project, port = served
    venv = project / ".venv"
    # make run served from the runtime dependencies only
    site = next((venv / "lib").glob("python3*/site-packages"))
    assert (site / "litestar").is_dir() and (site / "uvicorn").is_dir()
    assert [name for name in DEV_ONLY if (site / name).exists()] == []

    blocks = readme_blocks("sh")
    lms_block = next(b for b in blocks if b.startswith(".venv/bin/lms serve "))
    tour = [b for b in blocks if BLOCKS[next(k for k in BLOCKS if b.startswith(k))] == "run"]
    script = "\n".join(
        [line for line in lms_block.splitlines() if not line.startswith(".venv/bin/lms serve ")]
        + [b.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for b in tour]
    )
    done = bash(script, project)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    for bad in ("Traceback", "KeyError", "command not found", "Internal Server Error", "No such file"):
        assert bad not in out, out[-4000:]
    for shown in (
        "database is up to date",
        "created admin boss@example.com",
        "admin@demo.lms",  # seed-demo prints the logins
        "counters reconciled: 0 differed",  # the demo's rows went through the counters' triggers
        "created instructor teach@example.com",
        '"progress_percentage":100',  # the tour's comments say what to expect
        '"score":66.67',
        '"passed":false',
        '"correct_answer":"4"',
        '"detail":"Prerequisites not met"',
        '"locked":true',
        '"release_rule":{"after_lessons":["',
        '"valid":true',
        '"format":"vc+jwt"',
        '"id":"did:key:z6Mk',
        '"action":"auth.login_succeeded"',
    ):
        assert shown in done.stdout, (shown, out[-4000:])
    assert (project / "certificate.pdf").read_bytes().startswith(b"%PDF")

    (example,) = [b for b in readme_blocks("python") if not b.startswith("# receiver.py")]
    ran = subprocess.run(
        [str(venv / "bin" / "python"), "-c", example],
        cwd=project,
        env=fresh_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (ran.returncode, ran.stdout.strip()) == (0, "student ann@example.com"), ran.stderr


def test_make_targets_named_in_the_readme_exist() -> None:
    named = set(re.findall(r"`make ([a-z][a-z-]*)", README.read_text()))
    assert {"run", "test", "lint", "fuzz", "seed-demo", "bench", "certificate-sample"} <= named
    for target in sorted(named):
        dry = subprocess.run(
            ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, timeout=30, env=os.environ
        )
        assert "No rule to make target" not in dry.stderr, target


if sys.platform != "linux":  # pragma: no cover
    pytestmark = pytest.mark.skip(reason="the README's commands are for a Linux shell")
