"""Courses and lessons in memory (copy in, copy out), with the SQL schema's cascades."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from lms_adapters.memory.assessment import remove_quizzes
from lms_adapters.memory.credentials import detach_certificates
from lms_domain.catalog.entities import Course, Lesson
from lms_domain.catalog.ports import CourseQuery, CourseSort, LessonOrderTaken, SlugTaken
from lms_domain.shared.pagination import PageRequest

if TYPE_CHECKING:
    from lms_adapters.memory.uow import MemoryState

__all__ = ["MemoryCourseRepository", "MemoryLessonRepository", "remove_lessons"]


def remove_lessons(state: MemoryState, lesson_ids: set[UUID]) -> None:
    """Delete lessons and what hangs on them (as ``ON DELETE CASCADE`` does in SQL)."""
    for lesson_id in lesson_ids:
        state.lessons.pop(lesson_id, None)
    for key, done in list(state.lesson_completions.items()):
        if done.lesson_id in lesson_ids:
            del state.lesson_completions[key]
    for quiz in state.quizzes.values():  # ON DELETE SET NULL
        if quiz.lesson_id in lesson_ids:
            quiz.lesson_id = None


class MemoryCourseRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def get(self, course_id: UUID, *, for_update: bool = False) -> Course | None:
        course = self._state.courses.get(course_id)
        return copy.deepcopy(course) if course else None

    async def taken_slugs(self, base: str) -> set[str]:
        return {
            c.slug for c in self._state.courses.values() if c.slug == base or c.slug.startswith(base + "-")
        }

    async def add(self, course: Course) -> None:
        if any(c.slug == course.slug for c in self._state.courses.values()):
            raise SlugTaken(course.slug)
        self._state.courses[course.id] = copy.deepcopy(course)

    async def update(self, course: Course) -> None:
        if course.id in self._state.courses:
            self._state.courses[course.id] = copy.deepcopy(course)

    async def remove(self, course_id: UUID) -> None:
        state = self._state
        state.courses.pop(course_id, None)
        remove_lessons(state, {i for i, lesson in state.lessons.items() if lesson.course_id == course_id})
        gone = {i for i, e in state.enrollments.items() if e.course_id == course_id}
        for enrollment_id in gone:
            del state.enrollments[enrollment_id]
        for key, done in list(state.lesson_completions.items()):
            if done.enrollment_id in gone:
                del state.lesson_completions[key]
        detach_certificates(state, course_id=course_id)
        remove_quizzes(state, {i for i, quiz in state.quizzes.items() if quiz.course_id == course_id})

    async def list(self, *, query: CourseQuery, page: PageRequest) -> tuple[Sequence[Course], int]:
        search = query.search.lower() if query.search else None
        found = [
            c
            for c in self._state.courses.values()
            if (query.include_unpublished or c.is_published or c.instructor_id == query.viewer_id)
            and (query.instructor_id is None or c.instructor_id == query.instructor_id)
            and (query.category is None or c.category == query.category)
            and (query.difficulty_level is None or c.difficulty_level is query.difficulty_level)
            and (search is None or search in c.title.lower() or search in c.description.lower())
        ]
        if query.sort is CourseSort.TITLE:
            found.sort(key=lambda c: (c.title.lower(), c.id))
        elif query.sort is CourseSort.CREATED_AT:
            found.sort(key=lambda c: (c.created_at, c.id))
        else:
            found.sort(key=lambda c: (c.created_at, c.id), reverse=True)
        return [copy.deepcopy(c) for c in found[page.offset : page.offset + page.page_size]], len(found)


class MemoryLessonRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def _of(self, course_id: UUID) -> list[Lesson]:
        return sorted(
            (v for v in self._state.lessons.values() if v.course_id == course_id), key=lambda v: v.order
        )

    async def get(self, lesson_id: UUID) -> Lesson | None:
        lesson = self._state.lessons.get(lesson_id)
        return copy.deepcopy(lesson) if lesson else None

    async def list_for_course(
        self, course_id: UUID, *, page: PageRequest | None = None
    ) -> tuple[Sequence[Lesson], int]:
        lessons = self._of(course_id)
        shown = lessons if page is None else lessons[page.offset : page.offset + page.page_size]
        return [copy.deepcopy(v) for v in shown], len(lessons)

    async def next_order(self, course_id: UUID) -> int:
        return max((v.order for v in self._of(course_id)), default=0) + 1

    async def add(self, lesson: Lesson) -> None:
        if lesson.course_id not in self._state.courses:
            raise LookupError("no such course")  # a foreign key in SQL
        if any(v.order == lesson.order for v in self._of(lesson.course_id)):
            raise LessonOrderTaken(lesson.order)
        self._state.lessons[lesson.id] = copy.deepcopy(lesson)

    async def update(self, lesson: Lesson) -> None:
        current = self._state.lessons.get(lesson.id)
        if current is not None:
            saved = copy.deepcopy(lesson)
            saved.order = current.order
            self._state.lessons[lesson.id] = saved

    async def remove(self, lesson_id: UUID) -> None:
        remove_lessons(self._state, {lesson_id})

    async def set_order(self, course_id: UUID, lesson_ids: Sequence[UUID]) -> None:
        for position, lesson_id in enumerate(lesson_ids, start=1):
            lesson = self._state.lessons.get(lesson_id)
            if lesson is not None and lesson.course_id == course_id:
                lesson.order = position
