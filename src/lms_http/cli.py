"""The ``lms`` command: serve, worker, migrate, create-user, seed-demo, reconcile-counters."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys

from lms_domain.shared.actors import Role
from lms_domain.shared.errors import DomainError
from lms_http.settings import ConfigError, Settings, load_settings

__all__ = ["main"]


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as e:
        print(f"configuration error: {e}", file=sys.stderr)
        raise SystemExit(2) from None


def migrate(settings: Settings) -> None:
    from lms_adapters.sql.migrate import upgrade
    from lms_http.startup import database_failure

    try:
        upgrade(settings.database_url)
    except OSError as e:  # e.g. the SQLite file's folder cannot be made
        print(database_failure(settings.database_url, e), file=sys.stderr)
        raise SystemExit(1) from None


def serve(settings: Settings) -> None:
    # Once, before any worker starts, in a child process: Alembic and the migration scripts
    # would otherwise stay in this process's memory (about 40 MB) for its whole life.
    import subprocess

    import uvicorn

    from lms_http.http_protocol import BoundedHttpProtocol
    from lms_http.startup import listen_problem, redis_problem

    if problem := listen_problem(settings.host, settings.port):
        print(problem, file=sys.stderr)
        raise SystemExit(2)
    done = subprocess.run([sys.executable, "-m", "lms_http.cli", "migrate"], check=False)
    if done.returncode != 0:
        raise SystemExit(done.returncode)
    from lms_adapters.redis.client import check_redis

    if settings.redis_url and (problem := redis_problem(settings.redis_url, check_redis(settings.redis_url))):
        print(f"warning: {problem}", file=sys.stderr)  # it may come up later: serve, and fail closed
    os.environ.setdefault("LMS_SECRET_KEY", settings.secret_key)  # workers share the key
    uvicorn.run(
        "lms_http.asgi:app",
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level.lower(),
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=30,
        access_log=False,
        http=BoundedHttpProtocol,  # httptools with a size and a time bound on request heads
    )


async def _create_user(settings: Settings, email: str, role: Role, password: str, name: str | None) -> str:
    from lms_http.container import Container

    container = Container(settings=settings)
    try:
        user = await container.create_user()(email=email, password=password, role=role, full_name=name)
    finally:
        await container.engine().dispose()
    return f"created {user.role.value} {user.email} ({user.id})"


async def _work(settings: Settings) -> None:
    from lms_http.container import Container
    from lms_http.deliveries import run_worker

    container = Container(settings=settings)
    await run_worker(container)


def _ask_password() -> str:
    """At a terminal, a prompt; otherwise the first line of standard input (``echo ... | lms ...``)."""
    try:
        if sys.stdin is not None and sys.stdin.isatty():
            return getpass.getpass("Password: ")
        line = sys.stdin.readline() if sys.stdin is not None else ""
    except EOFError:
        line = ""
    if not line.rstrip("\r\n"):
        print(
            "error: no password: give --password, type it at the prompt in a terminal, "
            "or pipe it to standard input",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return line.rstrip("\r\n")


def seed_demo(settings: Settings, scale_name: str, *, progress: bool = True) -> None:
    """Fill the database with a demo (``small``) or benchmark (``large``) data set, idempotently."""
    import time

    from argon2 import PasswordHasher, Type

    from lms_adapters.sql.seed import DEMO_LOGINS, DEMO_PASSWORD, SCALES, seed

    migrate(settings)
    started = time.monotonic()
    # One hash for every seeded user: hashing 100,000 passwords would take hours.
    password_hash = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=1,
        type=Type.ID,
    ).hash(DEMO_PASSWORD)
    report = seed(settings.database_url, SCALES[scale_name], password_hash, progress=progress)
    for note in report.skipped:
        print(f"skipped {note}")
    print(f"seeded scale {report.scale} in {time.monotonic() - started:.1f} s")
    for name, count in report.counts.items():
        print(f"  {name:<20} {count:>12,} rows (written now: {report.written.get(name, 0):,})")
    print(f"\nLog in with any of these (password {DEMO_PASSWORD!r}, shared by every seeded user):")
    for email, role, _name in DEMO_LOGINS:
        print(f"  {role:<11} {email}")
    print(f"API docs: http://{settings.host}:{settings.port}/docs (after `lms serve`)")


def reconcile_counters(settings: Settings) -> None:
    """Recount every report counter from the rows (safe while the app writes); say how many differed."""
    from lms_adapters.sql.counters import reconcile_database

    migrate(settings)
    changed = reconcile_database(settings.database_url)
    print(f"counters reconciled: {changed} differed from the rows and were corrected")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="lms", description="LMS backend")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="migrate, then serve on LMS_HOST:LMS_PORT with LMS_WORKERS workers")
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("worker", help="migrate, then deliver events (webhooks, xAPI) without serving HTTP")
    create = sub.add_parser("create-user", help="create a user with any role")
    create.add_argument("email")
    create.add_argument("--role", choices=[r.value for r in Role], default=Role.STUDENT.value)
    create.add_argument(
        "--password", help="when omitted: asked for at a terminal, else the first line of standard input"
    )
    create.add_argument("--name", help="full name (default: the e-mail's local part)")
    demo = sub.add_parser("seed-demo", help="fill the database with demo data (idempotent)")
    demo.add_argument("--scale", choices=["small", "large"], default="small")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    sub.add_parser(
        "reconcile-counters", help="recount the reports' counters from the rows (safe while serving)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    settings = _settings()
    try:
        _run(args, settings)
    except _database_errors() as e:
        from lms_http.startup import database_failure

        print(database_failure(settings.database_url, e), file=sys.stderr)
        raise SystemExit(1) from None


def _database_errors() -> tuple[type[BaseException], ...]:
    """A database that cannot be reached or opened (the rest are bugs, with their traceback)."""
    from lms_adapters.sql.engine import UNREACHABLE

    return UNREACHABLE


def _run(args: argparse.Namespace, settings: Settings) -> None:
    if args.command == "migrate":
        migrate(settings)
        print("database is up to date")
    elif args.command == "serve":
        serve(settings)
    elif args.command == "worker":
        migrate(settings)
        asyncio.run(_work(settings))
    elif args.command == "reconcile-counters":
        reconcile_counters(settings)
    elif args.command == "seed-demo":
        seed_demo(settings, args.scale, progress=not args.no_progress)
    elif args.command == "create-user":
        password = args.password or _ask_password()
        migrate(settings)
        try:
            print(asyncio.run(_create_user(settings, args.email, Role(args.role), password, args.name)))
        except DomainError as e:
            print(f"error: {e.message}", file=sys.stderr)
            raise SystemExit(1) from None


if __name__ == "__main__":
    main()
