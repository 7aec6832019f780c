"""The store's half of the checks on release rules and prerequisites, and saving them.

The entities check what needs no store (sizes, duplicates, a lesson or course naming itself,
``min_score``); here the named lessons, quizzes and courses are looked up, in a fixed number of
statements. Every caller holds the course's lock (``managed_course``/``managed_lesson``), so the
course's lessons and rules cannot change between the check and the write; a quiz or a course
deleted meanwhile is caught by the foreign keys when the rule is written.
"""

from __future__ import annotations

from uuid import UUID

from lms_domain.catalog.entities import Course, Lesson
from lms_domain.catalog.ports import (
    CatalogUnitOfWork,
    CourseQuery,
    PrerequisiteCycle,
    PrerequisiteGone,
    ReleaseTargetGone,
)
from lms_domain.shared.actors import Actor
from lms_domain.shared.errors import InvalidField
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.release import waits_on_itself

__all__ = ["check_prerequisites", "check_release_rule", "save_prerequisites", "save_release_rule"]

RULE = "release_rule"
AFTER_LESSONS = "release_rule.after_lessons"
AFTER_QUIZ = "release_rule.after_quiz.quiz_id"
PREREQUISITES = "prerequisite_course_ids"
UNKNOWN_COURSES = "prerequisite_course_ids must name existing courses"


async def check_release_rule(uow: CatalogUnitOfWork, lesson: Lesson) -> None:
    """``after_lessons`` names lessons of the lesson's course, ``after_quiz`` a quiz of it, and no
    lesson ends up waiting for itself (through other lessons' rules or a quiz attached to a lesson):
    two statements, whatever the number of lessons."""
    rule = lesson.release_rule
    if rule is None:
        return
    course_lessons, _ = await uow.lessons.list_for_course(lesson.course_id)
    in_course = {other.id for other in course_lessons}
    if not in_course.issuperset(rule.after_lessons):
        raise InvalidField(AFTER_LESSONS, "after_lessons must name lessons of the lesson's course")
    others = {
        other.id: other.release_rule
        for other in course_lessons
        if other.release_rule is not None and other.id != lesson.id
    }
    quiz_ids = {r.after_quiz.quiz_id for r in (*others.values(), rule) if r.after_quiz is not None}
    placements = await uow.quiz_placements.of(quiz_ids) if quiz_ids else {}
    if rule.after_quiz is not None:
        placement = placements.get(rule.after_quiz.quiz_id)
        if placement is None or placement.course_id != lesson.course_id:
            raise InvalidField(AFTER_QUIZ, "after_quiz must name a quiz of the lesson's course")
    quiz_lessons = {quiz_id: placement.lesson_id for quiz_id, placement in placements.items()}
    if waits_on_itself(lesson.id, rule, others, quiz_lessons):
        raise InvalidField(RULE, "This rule would make the lesson wait for itself through other lessons")


async def save_release_rule(uow: CatalogUnitOfWork, lesson: Lesson) -> None:
    try:
        await uow.lessons.set_release_rule(lesson.id, lesson.release_rule)
    except ReleaseTargetGone:  # deleted since it was checked (a quiz: its deletion takes no course lock)
        raise InvalidField(RULE, "A lesson or quiz the rule names no longer exists") from None


async def check_prerequisites(
    uow: CatalogUnitOfWork, actor: Actor, course: Course, *, already: tuple[UUID, ...] = ()
) -> None:
    """Each prerequisite not in ``already`` (the course's prerequisites before the change) is a
    course the caller may see: a published one, or a draft they edit or read. One statement."""
    added = frozenset(i for i in course.prerequisite_course_ids if i not in already)
    if not added:
        return
    query = CourseQuery(include_unpublished=actor.is_admin, viewer_id=actor.user_id, ids=added)
    _, total = await uow.courses.list(query=query, page=PageRequest(page_size=len(added)))
    if total != len(added):
        raise InvalidField(PREREQUISITES, UNKNOWN_COURSES)


async def save_prerequisites(uow: CatalogUnitOfWork, course: Course) -> None:
    try:
        await uow.courses.set_prerequisites(course.id, course.prerequisite_course_ids)
    except PrerequisiteCycle:
        raise InvalidField(
            PREREQUISITES, "A prerequisite cannot need this course itself, directly or through other courses"
        ) from None
    except PrerequisiteGone:  # deleted since it was checked
        raise InvalidField(PREREQUISITES, UNKNOWN_COURSES) from None
