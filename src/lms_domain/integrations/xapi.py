"""Learning records: the events an LRS hears about, as xAPI 1.0.3 statements.

A statement's ``id`` is its event's id, so a statement sent twice (deliveries are at least once) is
the same statement to the learning record store. Actors are accounts on this service (its public URL
and the user's id), never a name or an email address.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC
from uuid import UUID

from lms_domain.integrations.entities import XAPI_EVENT_TYPES
from lms_domain.integrations.ports import ActivityNames
from lms_domain.shared.events import Event, EventType

__all__ = ["XAPI_EVENT_TYPES", "XAPI_VERSION", "statement", "xapi_headers"]

XAPI_VERSION = "1.0.3"

_VERBS = "http://adlnet.gov/expapi/verbs/"
_ACTIVITY_TYPES = "http://adlnet.gov/expapi/activities/"

# kind of activity: (path under /api/v1, the xAPI activity type)
_ACTIVITIES: Mapping[str, tuple[str, str]] = {
    "course": ("courses", "course"),
    "lesson": ("lessons", "lesson"),
    "quiz": ("quizzes", "assessment"),
}

# event type: (verb, kind of its object); attempt.graded's verb is passed or failed
_MAPPED: Mapping[EventType, tuple[str, str]] = {
    EventType.ENROLLMENT_CREATED: ("registered", "course"),
    EventType.LESSON_COMPLETED: ("completed", "lesson"),
    EventType.ENROLLMENT_COMPLETED: ("completed", "course"),
    EventType.ATTEMPT_GRADED: ("passed", "quiz"),
}

assert frozenset(_MAPPED) == XAPI_EVENT_TYPES  # one list: the outbox makes deliveries for these


async def statement(event: Event, *, public_url: str, names: ActivityNames) -> dict[str, object]:
    """The xAPI statement for ``event`` (one of :data:`XAPI_EVENT_TYPES`, else ``ValueError``).

    Activity ids are URLs under ``public_url``; an activity whose title ``names`` no longer knows
    (deleted) is named by its id."""
    if event.type not in _MAPPED:
        raise ValueError(f"no xAPI statement for {event.type} events")
    base = public_url.removesuffix("/")
    verb, kind = _MAPPED[event.type]
    graded = event.type is EventType.ATTEMPT_GRADED
    passed = _flag(event.data, "passed") if graded else False
    if graded and not passed:
        verb = "failed"
    course = await _activity(base, names, "course", _uuid(event.data, "course_id"))
    learner = str(_uuid(event.data, "student_id"))
    result: dict[str, object] = {
        "id": str(event.id),
        "actor": {"objectType": "Agent", "account": {"homePage": base, "name": learner}},
        "verb": {"id": _VERBS + verb, "display": {"en-US": verb}},
        "object": course,
    }
    if kind != "course":
        object_id = _uuid(event.data, f"{kind}_id")
        result["object"] = await _activity(base, names, kind, object_id)
        result["context"] = {"contextActivities": {"parent": [course]}}
    if graded:
        result["result"] = {"score": _score(event.data), "success": passed, "completion": True}
    result["timestamp"] = event.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return result


def xapi_headers(*, username: str | None, password: str | None) -> dict[str, str]:
    """The headers of a POST of statements: JSON, the xAPI version, and HTTP Basic when a username
    is set (an unset password is empty)."""
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION}
    if username is not None:
        pair = f"{username}:{password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    return headers


async def _activity(base: str, names: ActivityNames, kind: str, activity_id: UUID) -> dict[str, object]:
    path, activity_type = _ACTIVITIES[kind]
    title = await names.title(kind, activity_id)
    return {
        "objectType": "Activity",
        "id": f"{base}/api/v1/{path}/{activity_id}",
        "definition": {
            "name": {"en-US": str(activity_id) if title is None else title},
            "type": _ACTIVITY_TYPES + activity_type,
        },
    }


def _uuid(data: Mapping[str, object], key: str) -> UUID:
    value = data.get(key)
    if isinstance(value, UUID):
        return value
    if not isinstance(value, str):
        raise ValueError(f"event data has no {key}")
    return UUID(value)


def _flag(data: Mapping[str, object], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise ValueError(f"event data has no boolean {key}")
    return value


def _score(data: Mapping[str, object]) -> dict[str, object]:
    """``scaled`` = score / 100, ``raw`` = score, out of 0 to 100."""
    raw = data.get("score")
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValueError("event data has no numeric score")
    return {"scaled": raw / 100, "raw": raw, "min": 0, "max": 100}
