"""Each use case that makes one of the contract's changes records its event in its own unit of
work; a call that changes nothing records nothing; a change that rolls back records nothing."""

from __future__ import annotations

import time
from uuid import UUID

import pytest

from lms_adapters.memory.uow import MemoryState
from lms_domain.shared.errors import Conflict, NotFound
from lms_domain.shared.events import Event, EventType
from tests.unit.catalog.harness import Catalog, instructor, student


def recorded(state: MemoryState, type_: EventType | None = None) -> list[Event]:
    found = sorted(state.events.values(), key=lambda e: e.occurred_at)
    return [e for e in found if type_ is None or e.type is type_]


async def test_publishing_records_once() -> None:
    c = Catalog()
    owner = instructor()
    course = await c.course(owner, "Go")
    await c.publish_course(actor=owner, course_id=course.id)
    await c.publish_course(actor=owner, course_id=course.id)  # already published: nothing changes
    [event] = recorded(c.state)
    assert event.type is EventType.COURSE_PUBLISHED
    assert event.data == {"course_id": str(course.id), "title": "Go", "instructor_id": str(owner.user_id)}


async def test_enrolling_records_and_a_refused_enrollment_does_not() -> None:
    c = Catalog()
    owner, learner = instructor(), student()
    course = await c.course(owner, published=True)
    enrollment = await c.enroll(actor=learner, course_id=course.id)
    with pytest.raises(Conflict):
        await c.enroll(actor=learner, course_id=course.id)
    hidden = await c.course(owner, "Draft")
    with pytest.raises(NotFound):
        await c.enroll(actor=learner, course_id=hidden.id)
    [event] = recorded(c.state, EventType.ENROLLMENT_CREATED)
    assert event.data == {
        "enrollment_id": str(enrollment.id),
        "course_id": str(course.id),
        "student_id": str(learner.user_id),
    }
    assert event.occurred_at == enrollment.enrolled_at


async def test_completing_lessons_records_progress_then_the_course() -> None:
    c = Catalog()
    owner, learner = instructor(), student()
    course = await c.course(owner, published=True)
    first, second = await c.lesson(owner, course.id, "One"), await c.lesson(owner, course.id, "Two")
    enrollment = await c.enroll(actor=learner, course_id=course.id)
    await c.complete_lesson(actor=learner, enrollment_id=enrollment.id, lesson_id=first.id)
    await c.complete_lesson(actor=learner, enrollment_id=enrollment.id, lesson_id=first.id)  # again: nothing
    c.clock.advance(seconds=1)
    await c.complete_lesson(actor=learner, enrollment_id=enrollment.id, lesson_id=second.id)
    lessons = recorded(c.state, EventType.LESSON_COMPLETED)
    assert [(e.data["lesson_id"], e.data["progress_percentage"]) for e in lessons] == [
        (str(first.id), 50),
        (str(second.id), 100),
    ]
    assert lessons[0].data["student_id"] == str(learner.user_id)
    [done] = recorded(c.state, EventType.ENROLLMENT_COMPLETED)
    assert done.data == {
        "enrollment_id": str(enrollment.id),
        "course_id": str(course.id),
        "student_id": str(learner.user_id),
        "completed_at": c.clock.now().isoformat().replace("+00:00", "Z"),
    }


async def test_deleting_the_only_missing_lesson_completes_the_enrollment() -> None:
    c = Catalog()
    owner, learner = instructor(), student()
    course = await c.course(owner, published=True)
    done_lesson, missing = await c.lesson(owner, course.id, "One"), await c.lesson(owner, course.id, "Two")
    enrollment = await c.enroll(actor=learner, course_id=course.id)
    await c.complete_lesson(actor=learner, enrollment_id=enrollment.id, lesson_id=done_lesson.id)
    await c.delete_lesson(actor=owner, lesson_id=missing.id)
    [done] = recorded(c.state, EventType.ENROLLMENT_COMPLETED)
    assert done.data["enrollment_id"] == str(enrollment.id)
    assert done.data["student_id"] == str(learner.user_id)


async def test_a_change_that_rolls_back_records_nothing() -> None:
    c = Catalog()
    owner = instructor()
    course = await c.course(owner, published=True)
    before = len(c.state.events)
    async with c.uow() as uow:  # recorded, then left without commit: rolled back with the change
        from lms_domain.shared.events import Event as E

        await uow.events.record(E.of(EventType.ENROLLMENT_CREATED, at=c.clock.now(), course_id=course.id))
    assert len(c.state.events) == before


async def test_an_event_is_json_ready() -> None:
    event = Event.of(EventType.WEBHOOK_TEST, at=Catalog().clock.now(), webhook_id=UUID(int=7))
    body = event.to_json()
    assert body["type"] == "webhook.test"
    assert body["data"] == {"webhook_id": str(UUID(int=7))}
    assert isinstance(body["occurred_at"], str) and body["occurred_at"].endswith("Z")


def test_event_ids_are_time_ordered() -> None:
    first = Event.of(EventType.WEBHOOK_TEST, at=Catalog().clock.now()).id
    time.sleep(0.002)
    assert first.version == 7
    assert first < Event.of(EventType.WEBHOOK_TEST, at=Catalog().clock.now()).id
