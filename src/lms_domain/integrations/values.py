"""Value rules of webhooks: their URL's form, their description and the event types they hear.

Whether a URL's host may receive deliveries (a public address) is the ``AddressCheck`` port's
question, asked by the use cases; here only the form is checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from lms_domain.shared.errors import InvalidField
from lms_domain.shared.events import EventType

__all__ = ["DESCRIPTION_MAX", "URL_MAX", "check_description", "check_events", "check_url"]

URL_MAX = 2048
DESCRIPTION_MAX = 1000


def check_url(value: str) -> str:
    """An absolute http(s) URL with a host, without spaces."""
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if (
        parts is None
        or not host
        or len(value) > URL_MAX
        or parts.scheme.lower() not in ("http", "https")
        or any(c.isspace() for c in value)
    ):
        raise InvalidField("url", "url must be an http or https URL", "value_error.url")
    return value


def check_description(value: str) -> str:
    if len(value) > DESCRIPTION_MAX:
        raise InvalidField(
            "description", f"description must be at most {DESCRIPTION_MAX} characters", "value_error.length"
        )
    return value


def check_events(values: Iterable[str]) -> list[EventType]:
    """Known event types, at least one, each once in the order first given."""
    known: list[EventType] = []
    for value in values:
        try:
            known.append(EventType(value))
        except ValueError:
            raise InvalidField("events", f"{value!r} is not an event type", "enum") from None
    if not known:
        raise InvalidField("events", "events must name at least one event type", "value_error.missing")
    return list(dict.fromkeys(known))
