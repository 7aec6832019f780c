"""Release rules: when a lesson opens to an enrolled student, and what decides it.

A lesson's rule names lessons of its course the student must have completed (``after_lessons``)
and a quiz of its course on which one of the student's graded attempts must reach a score
(``after_quiz``); when both are given, both must be met. The catalog stores and shows rules,
learning refuses to complete a locked lesson, assessment refuses to start a quiz attached to one:
all three decide here, on a :class:`LearnerProgress` read by the store in a fixed number of
statements whatever the number of lessons.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

from lms_domain.shared.errors import InvalidField

__all__ = [
    "MAX_AFTER_LESSONS",
    "LearnerProgress",
    "ProgressReader",
    "QuizRequirement",
    "ReleaseRule",
    "locks_out",
    "waits_on_itself",
]

MAX_AFTER_LESSONS = 100
"""At most this many lessons in ``after_lessons`` (as many as a page of lessons)."""

AFTER_LESSONS = "release_rule.after_lessons"
MIN_SCORE = "release_rule.after_quiz.min_score"


@dataclass(frozen=True, slots=True)
class QuizRequirement:
    """A graded attempt of the student on ``quiz_id`` with ``score`` >= ``min_score`` (0-100)."""

    quiz_id: UUID
    min_score: float


@dataclass(frozen=True, slots=True)
class LearnerProgress:
    """What release rules look at for one enrolled student in one course: the lessons completed
    and the best graded score on each quiz asked about (quizzes without one are left out)."""

    completed_lesson_ids: frozenset[UUID] = frozenset()
    best_scores: Mapping[UUID, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReleaseRule:
    """``after_lessons`` keeps the order it was given in; a rule never is empty (``validated``
    and ``without`` give None instead)."""

    after_lessons: tuple[UUID, ...] = ()
    after_quiz: QuizRequirement | None = None

    @property
    def is_empty(self) -> bool:
        return not self.after_lessons and self.after_quiz is None

    def is_met(self, progress: LearnerProgress) -> bool:
        """Every lesson of ``after_lessons`` completed, and a graded attempt at ``min_score``."""
        if not all(lesson_id in progress.completed_lesson_ids for lesson_id in self.after_lessons):
            return False
        if self.after_quiz is None:
            return True
        best = progress.best_scores.get(self.after_quiz.quiz_id)
        return best is not None and best >= self.after_quiz.min_score

    def validated(self, lesson_id: UUID) -> ReleaseRule | None:
        """This rule for the lesson ``lesson_id``, or None when it names nothing; else
        ``InvalidField``. Only what needs no store: that the lessons and the quiz exist in the
        lesson's course, and that no lessons wait for each other, the use cases check."""
        if len(self.after_lessons) > MAX_AFTER_LESSONS:
            raise InvalidField(
                AFTER_LESSONS,
                f"after_lessons may name at most {MAX_AFTER_LESSONS} lessons",
                "value_error.length",
            )
        if len(set(self.after_lessons)) != len(self.after_lessons):
            raise InvalidField(AFTER_LESSONS, "after_lessons names a lesson more than once")
        if lesson_id in self.after_lessons:
            raise InvalidField(AFTER_LESSONS, "A lesson cannot wait for itself")
        if self.after_quiz is not None:
            score = self.after_quiz.min_score
            if not (math.isfinite(score) and 0 <= score <= 100):
                raise InvalidField(MIN_SCORE, "min_score must be between 0 and 100", "value_error.range")
        return None if self.is_empty else self

    def without(
        self, *, lesson_ids: Collection[UUID] = (), quiz_ids: Collection[UUID] = ()
    ) -> ReleaseRule | None:
        """The rule once those lessons and quizzes are deleted: None when nothing is left."""
        after_quiz = self.after_quiz
        if after_quiz is not None and after_quiz.quiz_id in quiz_ids:
            after_quiz = None
        rule = ReleaseRule(
            after_lessons=tuple(i for i in self.after_lessons if i not in lesson_ids), after_quiz=after_quiz
        )
        return None if rule.is_empty else rule


def waits_on_itself(
    lesson_id: UUID,
    rule: ReleaseRule,
    rules: Mapping[UUID, ReleaseRule],
    quiz_lessons: Mapping[UUID, UUID | None],
) -> bool:
    """Whether giving ``lesson_id`` the rule ``rule`` makes it wait, however indirectly, for
    itself: through lessons that wait for other lessons (``rules``: the course's other rules), or
    through a quiz attached to a lesson (``quiz_lessons``: each named quiz's lesson), whose
    attempts cannot start while that lesson is locked."""
    graph = {**rules, lesson_id: rule}

    def waits_for(current: UUID) -> Iterable[UUID]:
        found = graph.get(current)
        if found is None:
            return ()
        quiz_lesson = None if found.after_quiz is None else quiz_lessons.get(found.after_quiz.quiz_id)
        return (*found.after_lessons, *((quiz_lesson,) if quiz_lesson is not None else ()))

    seen: set[UUID] = set()
    todo = list(waits_for(lesson_id))
    while todo:
        current = todo.pop()
        if current == lesson_id:
            return True
        if current not in seen:
            seen.add(current)
            todo.extend(waits_for(current))
    return False


class ProgressReader(Protocol):
    """The release rules' view of a student's progress (enrollments, completions, attempts)."""

    async def of(
        self, *, student_id: UUID, course_id: UUID, quiz_ids: Collection[UUID] = ()
    ) -> LearnerProgress | None:
        """The student's completed lessons of the course and best graded scores on ``quiz_ids``;
        None when the student is not enrolled in the course. At most two statements, whatever
        the numbers of lessons and quizzes."""
        ...


async def locks_out(
    rule: ReleaseRule, progress: ProgressReader, *, student_id: UUID, course_id: UUID
) -> bool:
    """Whether ``rule`` keeps the student out: not enrolled in the course, or not met (what a lesson
    completion and an attempt start check again inside their transaction)."""
    quiz_ids = () if rule.after_quiz is None else (rule.after_quiz.quiz_id,)
    found = await progress.of(student_id=student_id, course_id=course_id, quiz_ids=quiz_ids)
    return found is None or not rule.is_met(found)
