"""Catalog and learning use cases wired to in-memory adapters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from lms_adapters.memory.uow import MemoryState, MemoryUnitOfWork
from lms_domain.catalog import use_cases as cat
from lms_domain.catalog.entities import ContentType, Course, Lesson
from lms_domain.learning import use_cases as learn
from lms_domain.shared.actors import Actor, Role
from tests.builders import FixedClock, RecordingStamp, SequentialIds, actor


@dataclass
class Catalog:
    state: MemoryState = field(default_factory=MemoryState)
    clock: FixedClock = field(default_factory=FixedClock)
    ids: SequentialIds = field(default_factory=SequentialIds)
    stamp: RecordingStamp = field(default_factory=RecordingStamp)

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.state)

    @property
    def list_courses(self) -> cat.ListCourses:
        return cat.ListCourses(self.uow())

    @property
    def create_course(self) -> cat.CreateCourse:
        return cat.CreateCourse(self.uow(), self.clock, self.ids, self.stamp)

    @property
    def get_course(self) -> cat.GetCourse:
        return cat.GetCourse(self.uow())

    @property
    def update_course(self) -> cat.UpdateCourse:
        return cat.UpdateCourse(self.uow(), self.clock, self.stamp)

    @property
    def publish_course(self) -> cat.PublishCourse:
        return cat.PublishCourse(self.uow(), self.clock, self.stamp)

    @property
    def delete_course(self) -> cat.DeleteCourse:
        return cat.DeleteCourse(self.uow(), self.stamp, self.clock)

    @property
    def list_lessons(self) -> cat.ListLessons:
        return cat.ListLessons(self.uow())

    @property
    def create_lesson(self) -> cat.CreateLesson:
        return cat.CreateLesson(self.uow(), self.clock, self.ids, self.stamp)

    @property
    def get_lesson(self) -> cat.GetLesson:
        return cat.GetLesson(self.uow())

    @property
    def update_lesson(self) -> cat.UpdateLesson:
        return cat.UpdateLesson(self.uow(), self.clock, self.stamp)

    @property
    def delete_lesson(self) -> cat.DeleteLesson:
        return cat.DeleteLesson(self.uow(), self.clock, self.stamp)

    @property
    def reorder_lessons(self) -> cat.ReorderLessons:
        return cat.ReorderLessons(self.uow(), self.stamp)

    @property
    def enroll(self) -> learn.Enroll:
        return learn.Enroll(self.uow(), self.clock, self.ids)

    @property
    def list_my_enrollments(self) -> learn.ListMyEnrollments:
        return learn.ListMyEnrollments(self.uow())

    @property
    def get_enrollment(self) -> learn.GetEnrollment:
        return learn.GetEnrollment(self.uow())

    @property
    def complete_lesson(self) -> learn.CompleteLesson:
        return learn.CompleteLesson(self.uow(), self.clock, self.ids)

    async def course(self, owner: Actor, title: str = "Python Basics", *, published: bool = False) -> Course:
        course: Course = await self.create_course(actor=owner, data=cat.NewCourse(title=title))
        if published:
            await self.publish_course(actor=owner, course_id=course.id)
            course.is_published = True
        return course

    async def lesson(self, owner: Actor, course_id: UUID, title: str = "Lesson", **kw: Any) -> Lesson:
        data = cat.NewLesson(title=title, content_type=ContentType.TEXT, content="body", **kw)
        lesson: Lesson = await self.create_lesson(actor=owner, course_id=course_id, data=data)
        return lesson


def instructor() -> Actor:
    return actor(Role.INSTRUCTOR)


def admin() -> Actor:
    return actor(Role.ADMIN)


def student() -> Actor:
    return actor(Role.STUDENT)
