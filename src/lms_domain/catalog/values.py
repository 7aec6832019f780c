"""Value rules for the catalog: slugs, text limits and URLs."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from lms_domain.shared.errors import InvalidField

__all__ = [
    "CATEGORY_MAX",
    "CONTENT_MAX",
    "DESCRIPTION_MAX",
    "DURATION_MAX",
    "SLUG_BASE_MAX",
    "TITLE_MAX",
    "URL_MAX",
    "check_duration",
    "check_text",
    "check_title",
    "check_url",
    "slug_candidate",
    "slugify",
]

TITLE_MAX = 255
DESCRIPTION_MAX = 10_000
CATEGORY_MAX = 100
CONTENT_MAX = 100_000
URL_MAX = 2048
DURATION_MAX = 100_000
SLUG_BASE_MAX = 200

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(title: str) -> str:
    """``"Python Basics!"`` -> ``"python-basics"``; accents folded, never empty."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = _NON_SLUG.sub("-", ascii_title.lower()).strip("-")
    slug = slug[:SLUG_BASE_MAX].rstrip("-")
    return slug or "course"


def slug_candidate(base: str, taken: set[str]) -> str:
    """The first of ``base``, ``base-2``, ``base-3``, ... that is not taken."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def check_title(value: str, field: str = "title") -> str:
    title = value.strip()
    if not 1 <= len(title) <= TITLE_MAX:
        raise InvalidField(field, f"{field} must be 1-{TITLE_MAX} characters", "value_error.length")
    return title


def check_text(value: str | None, field: str, maximum: int) -> str | None:
    if value is not None and len(value) > maximum:
        raise InvalidField(field, f"{field} must be at most {maximum} characters", "value_error.length")
    return value


def check_duration(value: int | None, field: str) -> int | None:
    if value is not None and not 0 <= value <= DURATION_MAX:
        raise InvalidField(field, f"{field} must be between 0 and {DURATION_MAX}", "value_error.range")
    return value


def check_url(value: str | None, field: str) -> str | None:
    """Only absolute http(s) URLs with a host; the server never fetches them."""
    if value is None:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if (
        parts is None
        or len(value) > URL_MAX
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in value)
    ):
        raise InvalidField(field, f"{field} must be an http or https URL", "value_error.url")
    return value
