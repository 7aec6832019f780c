"""Courses and lessons in memory (copy in, copy out), with the SQL schema's cascades."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from lms_adapters.memory.assessment import remove_banks, remove_quizzes
from lms_adapters.memory.credentials import detach_certificates
from lms_adapters.memory.release import forget_courses, forget_in_rules
from lms_domain.catalog.entities import Course, Lesson
from lms_domain.catalog.ports import (
    CourseQuery,
    CourseSort,
    LessonOrderTaken,
    OwnerGone,
    PrerequisiteCycle,
    PrerequisiteGone,
    QuizPlacement,
    ReleaseTargetGone,
    SlugTaken,
    StaffExists,
)
from lms_domain.shared.course_access import StaffMember, StaffRole
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.release import ReleaseRule

if TYPE_CHECKING:
    from lms_adapters.memory.uow import MemoryState

__all__ = [
    "MemoryCourseRepository",
    "MemoryCourseStaffRepository",
    "MemoryLessonRepository",
    "MemoryQuizPlacements",
    "remove_lessons",
]


def staff_of(state: MemoryState, course_id: UUID) -> tuple[StaffMember, ...]:
    """The course's staff with their names, by the time they were added."""
    members = []
    for (course, user_id), (role, at) in state.course_staff.items():
        user = state.users.get(user_id)
        if course == course_id and user is not None:
            members.append(
                StaffMember(
                    user_id=user_id, role=role, full_name=user.full_name, email=user.email, added_at=at
                )
            )
    return tuple(sorted(members, key=lambda m: (m.added_at, m.user_id)))


def is_member(state: MemoryState, course: Course, user_id: UUID | None) -> bool:
    """The course's owner or one of its staff."""
    return user_id is not None and (
        course.instructor_id == user_id or (course.id, user_id) in state.course_staff
    )


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
    forget_in_rules(state, lesson_ids=lesson_ids)


def _stored(course: Course) -> Course:
    """What the state keeps of a course: staff and prerequisites live beside it, as in SQL."""
    return dataclasses.replace(copy.deepcopy(course), staff=(), prerequisite_course_ids=())


def _needs(state: MemoryState, course_ids: Collection[UUID], target: UUID) -> bool:
    """Whether ``target`` is among the prerequisites of ``course_ids``, however indirectly."""
    seen: set[UUID] = set()
    todo = [p for course_id in course_ids for p in state.course_prerequisites.get(course_id, ())]
    while todo:
        current = todo.pop()
        if current == target:
            return True
        if current not in seen:
            seen.add(current)
            todo.extend(state.course_prerequisites.get(current, ()))
    return False


class MemoryCourseRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def draft_readers(self) -> frozenset[UUID]:
        drafts = {c.id for c in self._state.courses.values() if not c.is_published}
        owners = {c.instructor_id for c in self._state.courses.values() if c.id in drafts}
        staff = {user_id for course_id, user_id in self._state.course_staff if course_id in drafts}
        return frozenset(owners | staff)

    async def get(self, course_id: UUID, *, for_update: bool = False) -> Course | None:
        course = self._state.courses.get(course_id)
        if course is None:
            return None
        found = copy.deepcopy(course)
        found.staff = staff_of(self._state, course_id)
        found.prerequisite_course_ids = self._state.course_prerequisites.get(course_id, ())
        return found

    async def taken_slugs(self, base: str) -> set[str]:
        return {
            c.slug for c in self._state.courses.values() if c.slug == base or c.slug.startswith(base + "-")
        }

    async def add(self, course: Course) -> None:
        owner = self._state.users.get(course.instructor_id)
        if owner is not None and (not owner.is_active or owner.erased_at is not None):
            raise OwnerGone(str(course.instructor_id))
        if any(c.slug == course.slug for c in self._state.courses.values()):
            raise SlugTaken(course.slug)
        self._state.courses[course.id] = _stored(course)

    async def update(self, course: Course) -> None:
        if course.id in self._state.courses:
            self._state.courses[course.id] = _stored(course)

    async def set_prerequisites(self, course_id: UUID, prerequisite_ids: Sequence[UUID]) -> None:
        state = self._state
        if prerequisite_ids and _needs(state, prerequisite_ids, course_id):
            raise PrerequisiteCycle(str(course_id))
        if course_id not in state.courses or any(i not in state.courses for i in prerequisite_ids):
            raise PrerequisiteGone(str(course_id))  # foreign keys in SQL
        if prerequisite_ids:
            state.course_prerequisites[course_id] = tuple(prerequisite_ids)
        else:
            state.course_prerequisites.pop(course_id, None)

    async def remove(self, course_id: UUID) -> None:
        state = self._state
        state.courses.pop(course_id, None)
        for key in [k for k in state.course_staff if k[0] == course_id]:
            del state.course_staff[key]
        remove_lessons(state, {i for i, lesson in state.lessons.items() if lesson.course_id == course_id})
        gone = {i for i, e in state.enrollments.items() if e.course_id == course_id}
        for enrollment_id in gone:
            del state.enrollments[enrollment_id]
        for key, done in list(state.lesson_completions.items()):
            if done.enrollment_id in gone:
                del state.lesson_completions[key]
        detach_certificates(state, course_id=course_id)
        remove_quizzes(state, {i for i, quiz in state.quizzes.items() if quiz.course_id == course_id})
        remove_banks(state, {i for i, bank in state.question_banks.items() if bank.course_id == course_id})
        forget_courses(state, {course_id})

    async def list(self, *, query: CourseQuery, page: PageRequest) -> tuple[Sequence[Course], int]:
        search = query.search.lower() if query.search else None
        found = [
            c
            for c in self._state.courses.values()
            if (query.include_unpublished or c.is_published or is_member(self._state, c, query.viewer_id))
            and (query.instructor_id is None or is_member(self._state, c, query.instructor_id))
            and (query.category is None or c.category == query.category)
            and (query.difficulty_level is None or c.difficulty_level is query.difficulty_level)
            and (search is None or search in c.title.lower() or search in c.description.lower())
            and (query.ids is None or c.id in query.ids)
        ]
        if query.sort is CourseSort.TITLE:
            found.sort(key=lambda c: (c.title.lower(), c.id))
        elif query.sort is CourseSort.CREATED_AT:
            found.sort(key=lambda c: (c.created_at, c.id))
        else:
            found.sort(key=lambda c: (c.created_at, c.id), reverse=True)
        shown = [copy.deepcopy(c) for c in found[page.offset : page.offset + page.page_size]]
        for c in shown:
            c.prerequisite_course_ids = self._state.course_prerequisites.get(c.id, ())
        return shown, len(found)


class MemoryCourseStaffRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def add(
        self, course_id: UUID, user_id: UUID, role: StaffRole, *, at: datetime
    ) -> StaffMember | None:
        user = self._state.users.get(user_id)
        if user is None or not user.is_active:
            return None
        if (course_id, user_id) in self._state.course_staff:
            raise StaffExists(user_id)
        self._state.course_staff[(course_id, user_id)] = (role, at)
        return StaffMember(
            user_id=user_id, role=role, full_name=user.full_name, email=user.email, added_at=at
        )

    async def remove(self, course_id: UUID, user_id: UUID) -> bool:
        return self._state.course_staff.pop((course_id, user_id), None) is not None


class MemoryLessonRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def _of(self, course_id: UUID) -> list[Lesson]:
        return sorted(
            (v for v in self._state.lessons.values() if v.course_id == course_id), key=lambda v: v.order
        )

    def _out(self, lesson: Lesson) -> Lesson:
        found = copy.deepcopy(lesson)
        found.release_rule = self._state.release_rules.get(lesson.id)
        return found

    def _stored(self, lesson: Lesson) -> Lesson:
        """What the state keeps of a lesson: its rule lives beside it, as in SQL."""
        return dataclasses.replace(copy.deepcopy(lesson), release_rule=None, locked=False)

    async def get(self, lesson_id: UUID) -> Lesson | None:
        lesson = self._state.lessons.get(lesson_id)
        return self._out(lesson) if lesson else None

    async def list_for_course(
        self, course_id: UUID, *, page: PageRequest | None = None
    ) -> tuple[Sequence[Lesson], int]:
        lessons = self._of(course_id)
        shown = lessons if page is None else lessons[page.offset : page.offset + page.page_size]
        return [self._out(v) for v in shown], len(lessons)

    async def next_order(self, course_id: UUID) -> int:
        return max((v.order for v in self._of(course_id)), default=0) + 1

    async def add(self, lesson: Lesson) -> None:
        if lesson.course_id not in self._state.courses:
            raise LookupError("no such course")  # a foreign key in SQL
        if any(v.order == lesson.order for v in self._of(lesson.course_id)):
            raise LessonOrderTaken(lesson.order)
        self._state.lessons[lesson.id] = self._stored(lesson)

    async def update(self, lesson: Lesson) -> None:
        current = self._state.lessons.get(lesson.id)
        if current is not None:
            saved = self._stored(lesson)
            saved.order = current.order
            self._state.lessons[lesson.id] = saved

    async def set_release_rule(self, lesson_id: UUID, rule: ReleaseRule | None) -> None:
        state = self._state
        if rule is None:
            state.release_rules.pop(lesson_id, None)
            return
        named = (lesson_id, *rule.after_lessons)
        if any(i not in state.lessons for i in named) or (
            rule.after_quiz is not None and rule.after_quiz.quiz_id not in state.quizzes
        ):
            raise ReleaseTargetGone(str(lesson_id))  # foreign keys in SQL
        state.release_rules[lesson_id] = rule

    async def remove(self, lesson_id: UUID) -> None:
        remove_lessons(self._state, {lesson_id})

    async def set_order(self, course_id: UUID, lesson_ids: Sequence[UUID]) -> None:
        for position, lesson_id in enumerate(lesson_ids, start=1):
            lesson = self._state.lessons.get(lesson_id)
            if lesson is not None and lesson.course_id == course_id:
                lesson.order = position


class MemoryQuizPlacements:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def of(self, quiz_ids: Collection[UUID]) -> Mapping[UUID, QuizPlacement]:
        return {
            quiz_id: QuizPlacement(course_id=quiz.course_id, lesson_id=quiz.lesson_id)
            for quiz_id in quiz_ids
            if (quiz := self._state.quizzes.get(quiz_id)) is not None
        }
