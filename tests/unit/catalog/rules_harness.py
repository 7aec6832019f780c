"""A course with lessons, a quiz, its staff and students on in-memory adapters, for release rules
and prerequisites: catalog, learning and assessment use cases over one shared state."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from lms_domain.assessment import use_cases as quiz
from lms_domain.assessment.entities import QuestionType
from lms_domain.assessment.grading import SubmittedAnswer
from lms_domain.assessment.views import AttemptView
from lms_domain.catalog import use_cases as cat
from lms_domain.catalog.entities import ContentType, Lesson
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.course_access import StaffRole
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.release import QuizRequirement, ReleaseRule
from tests.unit.credentials.harness import Credentials

__all__ = ["QUESTIONS", "School", "after", "school"]

QUESTIONS = 4  # each worth one point: scores 0, 25, 50, 75, 100
UNSET = UUID(int=0)  # filled in by ``school``


def after(*lessons: Lesson, quiz_id: UUID | None = None, min_score: float = 50) -> ReleaseRule:
    return ReleaseRule(
        after_lessons=tuple(lesson.id for lesson in lessons),
        after_quiz=None if quiz_id is None else QuizRequirement(quiz_id=quiz_id, min_score=min_score),
    )


@dataclass
class School(Credentials):
    """``owner``'s published course with lessons ``lessons`` and a published quiz ``quiz_id``;
    a co-instructor, a teaching assistant, an admin, an enrolled student and another student."""

    people: dict[str, Actor] = field(default_factory=dict)
    course_id: UUID = UNSET
    lessons: list[Lesson] = field(default_factory=list)
    quiz_id: UUID = UNSET
    enrollment_id: UUID = UNSET

    @property
    def owner(self) -> Actor:
        return self.people["owner"]

    @property
    def enrolled(self) -> Actor:
        return self.people["enrolled"]

    async def set_rule(self, lesson: Lesson, rule: ReleaseRule | None, by: Actor | None = None) -> Lesson:
        updated: Lesson = await self.update_lesson(
            actor=by or self.owner, lesson_id=lesson.id, changes=cat.LessonChanges(release_rule=rule)
        )
        return updated

    async def shown(self, who: Actor | None) -> list[Lesson]:
        page = await self.list_lessons(actor=who, course_id=self.course_id, page=PageRequest(1, 100))
        return list(page.items)

    async def locked(self, who: Actor | None) -> list[bool]:
        return [lesson.locked for lesson in await self.shown(who)]

    async def complete(self, lesson: Lesson, who: Actor | None = None) -> Any:
        return await self.complete_lesson(
            actor=who or self.enrolled, enrollment_id=self.enrollment_id, lesson_id=lesson.id
        )

    def start(self) -> quiz.StartAttempt:
        return quiz.StartAttempt(self.uow(), self.clock, self.ids, random.Random(1))

    async def attempt(self, right: int, who: Actor | None = None, quiz_id: UUID | None = None) -> AttemptView:
        """An attempt with ``right`` of the ``QUESTIONS`` answers right, submitted and graded."""
        learner = who or self.enrolled
        view = await self.start()(actor=learner, quiz_id=quiz_id or self.quiz_id)
        answers = [
            SubmittedAnswer(question_id=q.id, answer="4" if n < right else "3")
            for n, q in enumerate(view.questions)
        ]
        submitted: AttemptView = await quiz.SubmitAttempt(self.uow(), self.clock)(
            actor=learner, attempt_id=view.attempt.id, answers=answers
        )
        return submitted

    async def new_quiz(self, *, lesson_id: UUID | None = None, course_id: UUID | None = None) -> UUID:
        question = quiz.NewQuestion(
            question_text="2 + 2?",
            question_type=QuestionType.MULTIPLE_CHOICE,
            options=["3", "4"],
            correct_answer="4",
        )
        view = await quiz.CreateQuiz(self.uow(), self.clock, self.ids)(
            actor=self.owner,
            data=quiz.NewQuiz(
                course_id=course_id or self.course_id,
                title="Check",
                lesson_id=lesson_id,
                questions=[question] * QUESTIONS,
            ),
        )
        await quiz.PublishQuiz(self.uow(), self.clock)(actor=self.owner, quiz_id=view.quiz.id)
        return view.quiz.id


async def school(lessons: int = 3, *, titles: Sequence[str] = ()) -> School:
    s = School()
    s.people = {
        "admin": s.user(Role.ADMIN),
        "owner": s.user(Role.INSTRUCTOR),
        "co_instructor": s.user(Role.INSTRUCTOR),
        "teaching_assistant": s.user(Role.STUDENT),
        "enrolled": s.user(Role.STUDENT),
        "student": s.user(Role.STUDENT),
        "other_instructor": s.user(Role.INSTRUCTOR),
    }
    course = await s.create_course(actor=s.owner, data=cat.NewCourse(title="Course"))
    s.course_id = course.id
    names = list(titles) or [f"L{n}" for n in range(lessons)]
    for name in names:
        data = cat.NewLesson(
            title=name, content_type=ContentType.TEXT, content="words", video_url="https://v.io/x"
        )
        s.lessons.append(await s.create_lesson(actor=s.owner, course_id=course.id, data=data))
    add_staff = cat.AddStaff(s.uow(), s.clock, s.stamp)
    for who in ("co_instructor", "teaching_assistant"):
        await add_staff(
            actor=s.owner, course_id=course.id, user_id=s.people[who].user_id, role=StaffRole(who)
        )
    s.quiz_id = await s.new_quiz()
    await s.publish_course(actor=s.owner, course_id=course.id)
    s.enrollment_id = (await s.enroll(actor=s.enrolled, course_id=course.id)).id
    return s
