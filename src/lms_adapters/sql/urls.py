"""Database URLs as users write them, turned into driver URLs."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url

__all__ = ["async_url", "is_sqlite", "sync_url"]


def _parse(url: str) -> URL:
    parsed = make_url(url)
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite:/// or postgresql://"
        )
    return parsed


def is_sqlite(url: str) -> bool:
    return _parse(url).get_backend_name() == "sqlite"


def async_url(url: str) -> URL:
    parsed = _parse(url)
    driver = "sqlite+aiosqlite" if parsed.get_backend_name() == "sqlite" else "postgresql+psycopg"
    return parsed.set(drivername=driver)


def sync_url(url: str) -> URL:
    parsed = _parse(url)
    driver = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgresql+psycopg"
    return parsed.set(drivername=driver)
