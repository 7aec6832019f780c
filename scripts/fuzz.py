"""Property-based API fuzzing: schemathesis against the live server, driven by /openapi.json.

Starts ``lms serve`` on a fresh database (a throw-away PostgreSQL database beside
``LMS_TEST_DATABASE_URL`` with ``LMS_TEST_REDIS_URL``, else a SQLite file and in-process
state), creates a student, an instructor and an admin, and runs ``schemathesis run`` once per
role with that role's bearer token. Every operation in the schema is tested, so new endpoints
are picked up without changing this script. Exits non-zero on any failure.

    .venv/bin/python scripts/fuzz.py [--max-examples N] [--seed S] [--role student ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Fuzz-Password-7"
ROLES = ("student", "instructor", "admin")  # admin last: it may change the other accounts

# Operations left out of the run, each with its reason (also listed in docs/testing.md).
EXCLUDED_OPERATIONS: dict[str, str] = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def fresh_database(tmp: Path) -> Iterator[tuple[str, str | None]]:
    """(database URL, Redis URL or None): a new PostgreSQL database, or a SQLite file."""
    pg, redis_url = os.environ.get("LMS_TEST_DATABASE_URL"), os.environ.get("LMS_TEST_REDIS_URL")
    if not pg:
        yield f"sqlite:///{tmp / 'fuzz.db'}", None
        return
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    url = make_url(pg).set(drivername="postgresql")
    fuzz_name = f"{url.database}_fuzz"[:63]
    base = url.render_as_string(hide_password=False)
    fuzz_url = url.set(database=fuzz_name).render_as_string(hide_password=False)
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(fuzz_name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(fuzz_name)))
    if redis_url:
        from redis import Redis

        with Redis.from_url(redis_url) as client:
            client.flushdb()
    try:
        yield fuzz_url, redis_url
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(fuzz_name)))


def server_env(database_url: str, redis_url: str | None, port: int, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        {
            "LMS_HOST": "127.0.0.1",
            "LMS_PORT": str(port),
            "LMS_DATABASE_URL": database_url,
            "LMS_VAR_DIR": str(tmp / "var"),
            "LMS_STORAGE_DIR": str(tmp / "files"),
            "LMS_SECRET_KEY": "fuzz-secret-key-" + "x" * 32,
            "LMS_RATE_LIMIT_AUTH": "1000000/minute",
            "LMS_RATE_LIMIT_DEFAULT": "1000000/minute",
            "LMS_LOCKOUT_THRESHOLD": "1000",
            "LMS_ACCESS_TOKEN_MINUTES": "120",
            "LMS_ARGON2_MEMORY_KIB": "1024",
            "LMS_ARGON2_TIME_COST": "1",
            "LMS_MAX_CONCURRENT_HASHES": "4",
            "LMS_LOG_LEVEL": "WARNING",
            # webhooks the fuzzer registers may name any public address: send them nothing
            "LMS_DELIVERY_IN_PROCESS": "false",
        }
    )
    if redis_url:
        env["LMS_REDIS_URL"] = redis_url
    return env


def lms(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "lms_http.cli", *args], env=env, cwd=ROOT, check=True)  # noqa: S603


def wait_until_up(base: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"fuzz: the server exited early with {process.returncode}")
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"fuzz: {base} did not answer within {timeout} s")


def run_schemathesis(base: str, role: str, args: argparse.Namespace, tmp: Path) -> int:
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "fuzz_hooks",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "scripts"), os.environ.get("PYTHONPATH", "")]),
        "FUZZ_BASE_URL": base,
        "FUZZ_EMAIL": f"{role}@fuzz.example.com",
        "FUZZ_PASSWORD": PASSWORD,
    }
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(ROOT / "scripts" / "schemathesis.toml"),
        "run",
        f"{base}/openapi.json",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(args.max_examples),
        "--seed",
        str(args.seed),
        "--generation-deterministic",
        "--workers",
        "1",
        "--max-time",
        str(args.max_time),
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--continue-on-failure",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(args.report_dir / f"fuzz-{role}.xml"),
    ]
    for operation in EXCLUDED_OPERATIONS:
        command += ["--exclude-path-regex", operation]
    print(f"\n===== schemathesis as {role} =====", flush=True)
    # run in the scratch directory: schemathesis keeps a cache in its working directory
    return subprocess.run(command, env=env, cwd=tmp, check=False).returncode  # noqa: S603


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("FUZZ_MAX_EXAMPLES", "30")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "20261127")))
    parser.add_argument("--max-time", type=int, default=int(os.environ.get("FUZZ_MAX_TIME", "120")))
    parser.add_argument("--role", action="append", choices=ROLES, help="only these roles (repeatable)")
    parser.add_argument("--report-dir", type=Path, default=ROOT / "var" / "fuzz")
    parser.add_argument("--server-log", type=Path, default=None)
    args = parser.parse_args()
    args.report_dir = args.report_dir.resolve()
    args.report_dir.mkdir(parents=True, exist_ok=True)
    roles = [r for r in ROLES if not args.role or r in args.role]

    tmp = Path(tempfile.mkdtemp(prefix="lms-fuzz-"))
    failed: list[str] = []
    try:
        with fresh_database(tmp) as (database_url, redis_url):
            port = free_port()
            env = server_env(database_url, redis_url, port, tmp)
            lms("migrate", env=env)
            for role in ROLES:
                lms(
                    "create-user", f"{role}@fuzz.example.com", "--role", role, "--password", PASSWORD, env=env
                )
            log_path = args.server_log or args.report_dir / "server.log"
            with log_path.open("wb") as log:
                server = subprocess.Popen(
                    [sys.executable, "-m", "lms_http.cli", "serve"],
                    env=env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                base = f"http://127.0.0.1:{port}"
                try:
                    wait_until_up(base, server)
                    backend = "PostgreSQL + Redis" if redis_url else "SQLite, in-process state"
                    print(f"fuzz: server on {base} ({backend})", flush=True)
                    for role in roles:
                        if run_schemathesis(base, role, args, tmp) != 0:
                            failed.append(role)
                finally:
                    server.send_signal(signal.SIGINT)
                    try:
                        server.wait(30)
                    except subprocess.TimeoutExpired:
                        server.kill()
                        server.wait()
            if b"unhandled error" in log_path.read_bytes():
                print(f"fuzz: the server logged unhandled errors, see {log_path}", file=sys.stderr)
                failed.append("server log")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failed:
        print(f"fuzz: FAILED ({', '.join(failed)})", file=sys.stderr)
        return 1
    print("fuzz: passed for " + ", ".join(roles))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
