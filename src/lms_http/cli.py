"""The ``lms`` command: serve, migrate, create-user, seed-demo."""

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

    upgrade(settings.database_url)


def serve(settings: Settings) -> None:
    # Once, before any worker starts, in a child process: Alembic and the migration scripts
    # would otherwise stay in this process's memory (about 40 MB) for its whole life.
    import subprocess

    import uvicorn

    from lms_http.http_protocol import BoundedHttpProtocol

    done = subprocess.run([sys.executable, "-m", "lms_http.cli", "migrate"], check=False)
    if done.returncode != 0:
        raise SystemExit(done.returncode)
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="lms", description="LMS backend")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="migrate, then serve on LMS_HOST:LMS_PORT with LMS_WORKERS workers")
    sub.add_parser("migrate", help="apply database migrations")
    create = sub.add_parser("create-user", help="create a user with any role")
    create.add_argument("email")
    create.add_argument("--role", choices=[r.value for r in Role], default=Role.STUDENT.value)
    create.add_argument("--password", help="read from a prompt when omitted")
    create.add_argument("--name", help="full name (default: the e-mail's local part)")
    demo = sub.add_parser("seed-demo", help="fill the database with demo data (idempotent)")
    demo.add_argument("--scale", choices=["small", "large"], default="small")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings = _settings()
    if args.command == "migrate":
        migrate(settings)
        print("database is up to date")
    elif args.command == "serve":
        serve(settings)
    elif args.command == "seed-demo":
        seed_demo(settings, args.scale, progress=not args.no_progress)
    elif args.command == "create-user":
        password = args.password or getpass.getpass("Password: ")
        migrate(settings)
        try:
            print(asyncio.run(_create_user(settings, args.email, Role(args.role), password, args.name)))
        except DomainError as e:
            print(f"error: {e.message}", file=sys.stderr)
            raise SystemExit(1) from None


if __name__ == "__main__":
    main()
