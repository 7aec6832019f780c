"""What ``lms`` checks before it serves: each problem is one line that names the setting to fix."""

from __future__ import annotations

import errno
import socket
from urllib.parse import urlsplit, urlunsplit

__all__ = ["database_failure", "listen_problem", "redis_problem"]


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def _shown(url: str) -> str:
    """The URL without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def database_failure(url: str, error: BaseException) -> str:
    """The line for a database that cannot be reached or opened (SQLAlchemy's OperationalError and
    InterfaceError carry the driver's own error as ``orig``)."""
    reason = _one_line(str(getattr(error, "orig", None) or error)) or type(error).__name__
    return f"LMS_DATABASE_URL: cannot use the database at {_shown(url)}: {reason}"


def listen_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on ``host:port``, or None. Binds the way uvicorn does
    (``SO_REUSEADDR``, IPv6 when the host has a colon) and lets the socket go again."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except socket.gaierror:
        return f"LMS_HOST: {host!r} is not a host name or address this machine can listen on"
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            return (
                f"LMS_PORT: port {port} on {host} is already in use by another program: "
                "stop it, or set LMS_PORT to a free port"
            )
        if e.errno == errno.EADDRNOTAVAIL:
            return f"LMS_HOST: {host} is not an address of this machine"
        if e.errno == errno.EACCES:
            return f"LMS_PORT: listening on port {port} needs privileges this user lacks: use 1024 or above"
        return f"LMS_HOST / LMS_PORT: cannot listen on {host}:{port}: {e.strerror or e}"
    return None


def redis_problem(url: str, failure: tuple[bool, str] | None) -> str | None:
    """The line for what ``lms_adapters.redis.client.check_redis`` found at ``url``, or None."""
    if failure is None:
        return None
    refused, detail = failure
    if refused:  # a wrong password or database number
        reason = f"Redis at {_shown(url)} refused us ({_one_line(detail)})"
    else:
        reason = f"no answer from Redis at {_shown(url)} ({_one_line(detail)})"
    return f"LMS_REDIS_URL: {reason}; sign-ins and signed-in requests answer 503 until it answers"
