"""Configuration from ``LMS_*`` environment variables (and an optional ``.env``), read once."""

from __future__ import annotations

import email.utils
import ipaddress
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

from lms_adapters.mail.smtp import SmtpSettings

__all__ = ["ConfigError", "RateLimit", "Settings", "load_settings"]

T = TypeVar("T")
D = TypeVar("D")


class ConfigError(ValueError):
    """A bad configuration value; the message names the variable."""


_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True, slots=True)
class RateLimit:
    limit: int
    window_seconds: int

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        m = re.fullmatch(r"\s*(\d+)\s*/\s*(second|minute|hour|day)s?\s*", text)
        if not m or int(m.group(1)) < 1:
            raise ValueError("expected N/second, N/minute, N/hour or N/day")
        return cls(int(m.group(1)), _UNITS[m.group(2)])


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    database_url: str = "sqlite:///var/lms.db"
    redis_url: str | None = None
    db_pool_size: int = 40
    redis_pool_size: int = 50  # LMS_DB_POOL_SIZE + 10 unless set
    secret_key: str = field(default="", repr=False)
    admin_email: str | None = None
    admin_password: str | None = field(default=None, repr=False)
    storage_backend: Literal["local", "minio"] = "local"
    storage_dir: Path = Path("var/files")
    max_upload_bytes: int = 52_428_800
    # the request head (request line and headers): its size, and the time a client has to send it
    max_header_bytes: int = 32_768
    header_timeout_seconds: int = 10
    rate_limit_auth: RateLimit = RateLimit(20, 60)
    rate_limit_default: RateLimit = RateLimit(600, 60)
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    access_token_minutes: int = 15
    refresh_token_days: int = 7
    # how long a request holding an Idempotency-Key keeps it without renewing (it renews while it runs)
    idempotency_lease_seconds: int = 30
    cors_origins: tuple[str, ...] = ()
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    argon2_memory_kib: int = 19_456
    argon2_time_cost: int = 2
    max_concurrent_hashes: int = 1
    log_level: str = "INFO"
    metrics_token: str | None = field(default=None, repr=False)
    # files: S3-protocol storage (LMS_STORAGE_BACKEND=minio)
    minio_endpoint: str | None = None
    minio_access_key: str | None = field(default=None, repr=False)
    minio_secret_key: str | None = field(default=None, repr=False)
    minio_bucket: str = "lms-files"
    minio_secure: bool = True
    minio_region: str = "us-east-1"
    # credentials: where clients reach this service (the verification link printed on certificates)
    public_url: str = "http://127.0.0.1:8000"
    # Open Badges: the issuer's name, and its Ed25519 key (a PEM) or the file it is generated into
    issuer_name: str = "LMS"
    issuer_key: str | None = field(default=None, repr=False)
    issuer_key_file: Path = Path("var/issuer_key.pem")
    # events: webhooks and the learning record store (xAPI)
    webhook_timeout_seconds: float = 10.0
    webhook_retry_schedule: tuple[float, ...] = (5, 30, 120, 600, 1800, 7200, 21600, 86400)
    webhook_allow_private: bool = False
    delivery_in_process: bool = True
    delivery_concurrency: int = 10
    xapi_endpoint: str | None = None
    xapi_username: str | None = None
    xapi_password: str | None = field(default=None, repr=False)
    # mail: SMTP when set, else .eml files under mail_dir; links in mail point at app_url
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str = "LMS <no-reply@localhost>"
    mail_dir: Path = Path("var/mail")
    app_url: str = "http://127.0.0.1:8000"
    require_verified_email: bool = False


def _read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text("utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


def _secret_from_file(var_dir: Path) -> str:
    """A key generated on first start and kept, so tokens survive restarts."""
    path = var_dir / "secret_key"
    if path.is_file():
        return path.read_text("utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race
        return path.read_text("utf-8").strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


# Each converter turns a variable's text into its value, or raises ValueError saying why not.


def issuer_key(raw: str) -> str:
    """An unencrypted PEM of an Ed25519 private key (``\\n`` may stand for line breaks)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = raw.replace("\\n", "\n").strip() + "\n"
    try:
        key = serialization.load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError):
        raise ValueError("not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the issuer key must be an Ed25519 key")
    return pem


def issuer_name(raw: str) -> str:
    name = raw.strip()
    if not 1 <= len(name) <= 200 or any(ord(c) < 32 for c in name):
        raise ValueError("1 to 200 printable characters")
    return name


def integer(lo: int, hi: int) -> Callable[[str], int]:
    def convert(raw: str) -> int:
        if not re.fullmatch(r"\s*[+-]?\d+\s*", raw) or not lo <= int(raw) <= hi:
            raise ValueError(f"must be a whole number from {lo} to {hi}")
        return int(raw)

    return convert


def database(raw: str) -> str:
    scheme = re.match(r"^(sqlite|postgresql)(\+\w+)?://", raw)
    if not scheme:
        raise ValueError("must start with sqlite:/// or postgresql://")
    if scheme.group(1) == "sqlite" and not re.match(r"^sqlite(\+\w+)?:///.", raw):
        raise ValueError(
            "a SQLite URL has three slashes before a relative path (sqlite:///var/lms.db) "
            "and four before an absolute one (sqlite:////srv/lms.db)"
        )
    return raw


def redis_url(raw: str) -> str:
    if not re.match(r"^rediss?://", raw):
        raise ValueError("must start with redis:// or rediss://")
    return raw


def boolean(raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def origins(raw: str) -> tuple[str, ...]:
    items = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for o in items:
        if o != "*" and not re.match(r"^https?://[^/\s]+$", o):
            raise ValueError(f"{o!r} is not an origin like https://app.example.com")
        if o == "*":
            raise ValueError("'*' is not allowed: list the origins")
    return items


def networks(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    found = []
    for item in (n.strip() for n in raw.split(",")):
        if not item:
            continue
        try:
            found.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or a network like 10.0.0.0/8") from None
    return tuple(found)


def backend(raw: str) -> Literal["local", "minio"]:
    if raw == "local":
        return "local"
    if raw == "minio":
        return "minio"
    raise ValueError("must be local or minio")


def secret(raw: str) -> str:
    if len(raw) < 32:
        raise ValueError("must have at least 32 characters")
    return raw


def level(raw: str) -> str:
    if raw.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
    return raw.upper()


def endpoint(raw: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9A-Fa-f:]+\](:\d{1,5})?", raw):
        raise ValueError("must be host or host:port, without a scheme (set LMS_MINIO_SECURE for https)")
    return raw


def bucket(raw: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", raw) or ".." in raw:
        raise ValueError("must be a valid bucket name: 3-63 lower-case letters, digits, dots, hyphens")
    return raw


def region(raw: str) -> str:
    if not re.fullmatch(r"[a-z0-9-]{1,32}", raw):
        raise ValueError("must look like us-east-1")
    return raw


def public_url(raw: str) -> str:
    if not re.fullmatch(r"https?://[^/\s?#@]+(/[^\s?#]*)?", raw):
        raise ValueError("must be an http(s) URL like https://lms.example.com, without query or fragment")
    return raw.rstrip("/")


def seconds(lo: float, hi: float) -> Callable[[str], float]:
    def convert(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"must be a number of seconds from {lo:g} to {hi:g}") from None
        if not lo <= value <= hi:
            raise ValueError(f"must be a number of seconds from {lo:g} to {hi:g}")
        return value

    return convert


def schedule(raw: str) -> tuple[float, ...]:
    """Delays in seconds, comma-separated: ``5,30,120``."""
    convert = seconds(0, 30 * 86400)
    try:
        delays = tuple(convert(item) for item in raw.split(","))
    except ValueError:
        raise ValueError("must be delays in seconds, comma-separated, like 5,30,120") from None
    if len(delays) > 50:
        raise ValueError("must have at most 50 delays")
    return delays


def xapi_endpoint(raw: str) -> str:
    if not re.fullmatch(r"https?://[^/\s?#@]+(/[^\s?#]*)?/", raw):
        raise ValueError(
            "must be the LRS's http(s) base URL, ending in / (like https://lrs.example.com/xAPI/)"
        )
    return raw


def smtp_url(raw: str) -> str:
    SmtpSettings.from_url(raw)
    return raw


def mail_from(raw: str) -> str:
    _, address = email.utils.parseaddr(raw)
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", address) or any(c in raw for c in "\r\n"):
        raise ValueError("must be an address like no-reply@example.com or LMS <no-reply@example.com>")
    return raw.strip()


def load_settings(environ: dict[str, str] | None = None, *, env_file: Path | None = Path(".env")) -> Settings:
    """Build settings; raise ``ConfigError`` naming the first bad variable."""
    env = dict(_read_env_file(env_file)) if env_file else {}
    env.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = env.get(f"LMS_{name}")
        return value if value not in (None, "") else None

    def parse(name: str, convert: Callable[[str], T], default: D, *, hidden: bool = False) -> T | D:
        """``hidden``: the value may hold a secret, so an error does not repeat it."""
        raw = get(name)
        if raw is None:
            return default
        try:
            return convert(raw)
        except (ValueError, TypeError) as e:
            shown = "" if hidden else f" {raw!r}"
            raise ConfigError(f"LMS_{name}: invalid value{shown} ({e})") from None

    var_dir = Path(get("VAR_DIR") or "var")
    database_url = parse("DATABASE_URL", database, f"sqlite:///{var_dir / 'lms.db'}")
    redis = parse("REDIS_URL", redis_url, None)
    workers = parse("WORKERS", integer(1, 64), 1)
    db_pool_size = parse("DB_POOL_SIZE", integer(1, 500), 40)
    if workers > 1 and redis is None:
        raise ConfigError(
            "LMS_WORKERS: more than one worker needs LMS_REDIS_URL (in-process state is per worker)"
        )
    admin_email, admin_password = get("ADMIN_EMAIL"), get("ADMIN_PASSWORD")
    if (admin_email is None) != (admin_password is None):
        raise ConfigError("LMS_ADMIN_EMAIL: LMS_ADMIN_EMAIL and LMS_ADMIN_PASSWORD must be set together")
    storage_backend: Literal["local", "minio"] = parse("STORAGE_BACKEND", backend, "local")
    minio_endpoint = parse("MINIO_ENDPOINT", endpoint, None)
    minio_access_key, minio_secret_key = get("MINIO_ACCESS_KEY"), get("MINIO_SECRET_KEY")
    if storage_backend == "minio":
        for name, value in (
            ("MINIO_ENDPOINT", minio_endpoint),
            ("MINIO_ACCESS_KEY", minio_access_key),
            ("MINIO_SECRET_KEY", minio_secret_key),
        ):
            if value is None:
                raise ConfigError(f"LMS_{name}: required when LMS_STORAGE_BACKEND is minio")
    public = parse("PUBLIC_URL", public_url, "http://127.0.0.1:8000")
    return Settings(
        host=get("HOST") or "127.0.0.1",
        port=parse("PORT", integer(1, 65535), 8000),
        workers=workers,
        database_url=database_url,
        redis_url=redis,
        db_pool_size=db_pool_size,
        # as many Redis connections as requests a worker is sized to serve at once (see decisions.md)
        redis_pool_size=parse("REDIS_POOL_SIZE", integer(1, 1000), db_pool_size + 10),
        secret_key=parse("SECRET_KEY", secret, None, hidden=True) or _secret_from_file(var_dir),
        admin_email=admin_email,
        admin_password=admin_password,
        storage_backend=storage_backend,
        storage_dir=Path(get("STORAGE_DIR") or var_dir / "files"),
        max_upload_bytes=parse("MAX_UPLOAD_BYTES", integer(1, 10 * 1024**3), 52_428_800),
        max_header_bytes=parse("MAX_HEADER_BYTES", integer(1024, 1024 * 1024), 32_768),
        header_timeout_seconds=parse("HEADER_TIMEOUT_SECONDS", integer(1, 300), 10),
        rate_limit_auth=parse("RATE_LIMIT_AUTH", RateLimit.parse, RateLimit(20, 60)),
        rate_limit_default=parse("RATE_LIMIT_DEFAULT", RateLimit.parse, RateLimit(600, 60)),
        lockout_threshold=parse("LOCKOUT_THRESHOLD", integer(1, 1000), 5),
        lockout_minutes=parse("LOCKOUT_MINUTES", integer(1, 10080), 15),
        access_token_minutes=parse("ACCESS_TOKEN_MINUTES", integer(1, 1440), 15),
        refresh_token_days=parse("REFRESH_TOKEN_DAYS", integer(1, 365), 7),
        idempotency_lease_seconds=parse("IDEMPOTENCY_LEASE_SECONDS", integer(1, 3600), 30),
        cors_origins=parse("CORS_ORIGINS", origins, ()),
        trusted_proxies=parse("TRUSTED_PROXIES", networks, ()),
        argon2_memory_kib=parse("ARGON2_MEMORY_KIB", integer(8, 4 * 1024 * 1024), 19_456),
        argon2_time_cost=parse("ARGON2_TIME_COST", integer(1, 100), 2),
        max_concurrent_hashes=parse("MAX_CONCURRENT_HASHES", integer(1, 64), 1),
        log_level=parse("LOG_LEVEL", level, "INFO"),
        metrics_token=get("METRICS_TOKEN"),
        minio_endpoint=minio_endpoint,
        minio_access_key=minio_access_key,
        minio_secret_key=minio_secret_key,
        minio_bucket=parse("MINIO_BUCKET", bucket, "lms-files"),
        minio_secure=parse("MINIO_SECURE", boolean, True),
        minio_region=parse("MINIO_REGION", region, "us-east-1"),
        public_url=public,
        issuer_name=parse("ISSUER_NAME", issuer_name, "LMS"),
        issuer_key=parse("ISSUER_KEY", issuer_key, None, hidden=True),
        issuer_key_file=var_dir / "issuer_key.pem",
        webhook_timeout_seconds=parse("WEBHOOK_TIMEOUT_SECONDS", seconds(0.1, 300), 10.0),
        webhook_retry_schedule=parse(
            "WEBHOOK_RETRY_SCHEDULE", schedule, (5, 30, 120, 600, 1800, 7200, 21600, 86400)
        ),
        webhook_allow_private=parse("WEBHOOK_ALLOW_PRIVATE", boolean, False),
        delivery_in_process=parse("DELIVERY_IN_PROCESS", boolean, True),
        delivery_concurrency=parse("DELIVERY_CONCURRENCY", integer(1, 200), 10),
        xapi_endpoint=parse("XAPI_ENDPOINT", xapi_endpoint, None),
        xapi_username=get("XAPI_USERNAME"),
        xapi_password=get("XAPI_PASSWORD"),
        smtp_url=parse("SMTP_URL", smtp_url, None, hidden=True),
        mail_from=parse("MAIL_FROM", mail_from, "LMS <no-reply@localhost>"),
        mail_dir=var_dir / "mail",
        app_url=parse("APP_URL", public_url, public),
        require_verified_email=parse("REQUIRE_VERIFIED_EMAIL", boolean, False),
    )
