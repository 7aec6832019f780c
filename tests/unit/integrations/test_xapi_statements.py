"""xAPI statements from events: verbs, activities, the course as parent, results, ids and times."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms_domain.integrations.xapi import XAPI_EVENT_TYPES, statement, xapi_headers
from lms_domain.shared.events import Event, EventType

URL = "https://lms.example"
AT = datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)
COURSE, LESSON, QUIZ, STUDENT = uuid4(), uuid4(), uuid4(), uuid4()
VERBS = "http://adlnet.gov/expapi/verbs/"
TYPES = "http://adlnet.gov/expapi/activities/"


class Names:
    """Titles by kind and id; an id it does not hold is a deleted activity."""

    def __init__(self, **titles: str) -> None:
        self.titles = {
            (kind, {"course": COURSE, "lesson": LESSON, "quiz": QUIZ}[kind]): t for kind, t in titles.items()
        }
        self.asked: list[tuple[str, UUID]] = []

    async def title(self, kind: str, activity_id: UUID) -> str | None:
        self.asked.append((kind, activity_id))
        return self.titles.get((kind, activity_id))


NAMES = Names(course="Rust 101", lesson="Ownership", quiz="Borrowing quiz")


def event(type_: EventType, *, at: datetime = AT, **extra: object) -> Event:
    data: dict[str, object] = {"course_id": COURSE, "student_id": STUDENT, "enrollment_id": uuid4()}
    if type_ is EventType.LESSON_COMPLETED:
        data.update(lesson_id=LESSON, progress_percentage=50)
    if type_ is EventType.ENROLLMENT_COMPLETED:
        data.update(completed_at=at)
    if type_ is EventType.ATTEMPT_GRADED:
        data = {"attempt_id": uuid4(), "quiz_id": QUIZ, "course_id": COURSE, "student_id": STUDENT}
        data.update(score=80.0, passed=True)
    data.update(extra)
    return Event.of(type_, at=at, **data)


def course_activity(title: str = "Rust 101") -> dict[str, object]:
    return {
        "objectType": "Activity",
        "id": f"{URL}/api/v1/courses/{COURSE}",
        "definition": {"name": {"en-US": title}, "type": TYPES + "course"},
    }


def test_the_mapped_types() -> None:
    mapped = {
        EventType.ENROLLMENT_CREATED,
        EventType.LESSON_COMPLETED,
        EventType.ENROLLMENT_COMPLETED,
        EventType.ATTEMPT_GRADED,
    }
    assert mapped == XAPI_EVENT_TYPES


async def test_enrollment_created_registers_on_the_course() -> None:
    e = event(EventType.ENROLLMENT_CREATED)
    assert await statement(e, public_url=URL, names=NAMES) == {
        "id": str(e.id),
        "actor": {"objectType": "Agent", "account": {"homePage": URL, "name": str(STUDENT)}},
        "verb": {"id": VERBS + "registered", "display": {"en-US": "registered"}},
        "object": course_activity(),
        "timestamp": "2026-03-04T05:06:07.890000Z",
    }


async def test_enrollment_completed_completes_the_course() -> None:
    s = await statement(event(EventType.ENROLLMENT_COMPLETED), public_url=URL, names=NAMES)
    assert s["verb"] == {"id": VERBS + "completed", "display": {"en-US": "completed"}}
    assert s["object"] == course_activity()
    assert "context" not in s
    assert "result" not in s


async def test_lesson_completed_completes_the_lesson_in_its_course() -> None:
    s = await statement(event(EventType.LESSON_COMPLETED), public_url=URL, names=NAMES)
    assert s["verb"] == {"id": VERBS + "completed", "display": {"en-US": "completed"}}
    assert s["object"] == {
        "objectType": "Activity",
        "id": f"{URL}/api/v1/lessons/{LESSON}",
        "definition": {"name": {"en-US": "Ownership"}, "type": TYPES + "lesson"},
    }
    assert s["context"] == {"contextActivities": {"parent": [course_activity()]}}
    assert "result" not in s


@pytest.mark.parametrize(("passed", "verb"), [(True, "passed"), (False, "failed")])
async def test_attempt_graded_passes_or_fails_the_quiz(passed: bool, verb: str) -> None:
    s = await statement(
        event(EventType.ATTEMPT_GRADED, score=62.5, passed=passed), public_url=URL, names=NAMES
    )
    assert s["verb"] == {"id": VERBS + verb, "display": {"en-US": verb}}
    assert s["object"] == {
        "objectType": "Activity",
        "id": f"{URL}/api/v1/quizzes/{QUIZ}",
        "definition": {"name": {"en-US": "Borrowing quiz"}, "type": TYPES + "assessment"},
    }
    assert s["context"] == {"contextActivities": {"parent": [course_activity()]}}
    assert s["result"] == {
        "score": {"scaled": 0.625, "raw": 62.5, "min": 0, "max": 100},
        "success": passed,
        "completion": True,
    }


@given(st.one_of(st.integers(0, 100), st.floats(0, 100, allow_nan=False)))
async def test_scaled_is_the_score_over_100(score: float) -> None:
    s = await statement(event(EventType.ATTEMPT_GRADED, score=score), public_url=URL, names=NAMES)
    result = s["result"]
    assert isinstance(result, dict)
    assert result["score"] == {"scaled": score / 100, "raw": score, "min": 0, "max": 100}
    assert 0 <= result["score"]["scaled"] <= 1


@pytest.mark.parametrize("type_", sorted(XAPI_EVENT_TYPES))
async def test_id_actor_and_timestamp_of_every_type(type_: EventType) -> None:
    e = event(type_, at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))))
    s = await statement(e, public_url=URL + "/", names=NAMES)
    assert s["id"] == str(e.id)
    assert s["timestamp"] == "2026-01-02T01:04:05Z"
    # an account on this service only: no name, no email (mbox) of the learner
    assert s["actor"] == {"objectType": "Agent", "account": {"homePage": URL, "name": str(STUDENT)}}
    assert str(s["object"]).count(f"{URL}/api/v1/") == 1
    assert "//api" not in str(s)


async def test_a_public_url_with_a_path_prefixes_activity_ids() -> None:
    s = await statement(event(EventType.LESSON_COMPLETED), public_url="https://x.test/lms/", names=NAMES)
    assert s["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": "https://x.test/lms", "name": str(STUDENT)},
    }
    obj = s["object"]
    assert isinstance(obj, dict)
    assert obj["id"] == f"https://x.test/lms/api/v1/lessons/{LESSON}"


async def test_a_deleted_activity_is_named_by_its_id() -> None:
    names = Names(course="Rust 101")
    s = await statement(event(EventType.ATTEMPT_GRADED), public_url=URL, names=names)
    obj = s["object"]
    assert isinstance(obj, dict)
    assert obj["definition"] == {"name": {"en-US": str(QUIZ)}, "type": TYPES + "assessment"}
    assert s["context"] == {"contextActivities": {"parent": [course_activity()]}}
    assert sorted(names.asked) == sorted([("course", COURSE), ("quiz", QUIZ)])
    gone = await statement(event(EventType.ENROLLMENT_CREATED), public_url=URL, names=Names())
    assert gone["object"] == course_activity(str(COURSE))


@pytest.mark.parametrize("type_", sorted(set(EventType) - XAPI_EVENT_TYPES))
async def test_other_events_have_no_statement(type_: EventType) -> None:
    with pytest.raises(ValueError, match="no xAPI statement"):
        await statement(Event.of(type_, at=AT), public_url=URL, names=NAMES)


@pytest.mark.parametrize(
    "bad",
    [
        Event.of(EventType.ENROLLMENT_CREATED, at=AT, course_id=COURSE),
        event(EventType.ENROLLMENT_CREATED, student_id=12),
        event(EventType.ATTEMPT_GRADED, score="80"),
        event(EventType.ATTEMPT_GRADED, score=True),
        event(EventType.ATTEMPT_GRADED, passed="yes"),
    ],
)
async def test_malformed_data_is_refused(bad: Event) -> None:
    with pytest.raises(ValueError, match="event data has no"):
        await statement(bad, public_url=URL, names=NAMES)


def test_headers() -> None:
    base = {"Content-Type": "application/json", "X-Experience-API-Version": "1.0.3"}
    assert xapi_headers(username=None, password=None) == base
    with_auth = xapi_headers(username="lms", password="s3cret:x")
    assert with_auth == {**base, "Authorization": "Basic " + base64.b64encode(b"lms:s3cret:x").decode()}
    assert xapi_headers(username="lms", password=None)["Authorization"] == "Basic bG1zOg=="
