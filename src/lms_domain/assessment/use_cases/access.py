"""What the assessment use cases check first: the quiz, its course, and who may edit it."""

from __future__ import annotations

from uuid import UUID

from lms_domain.assessment.entities import CourseRef, Quiz
from lms_domain.assessment.ports import AssessmentReader, AssessmentUnitOfWork
from lms_domain.assessment.views import QuizView, authorize_quiz_edit
from lms_domain.shared.actors import Actor
from lms_domain.shared.errors import InvalidField, NotFound
from lms_domain.shared.ports import Clock

__all__ = [
    "ATTEMPT_NOT_FOUND",
    "NO_QUESTIONS",
    "QUIZ_NOT_FOUND",
    "check_lesson",
    "course_of",
    "editable_quiz",
    "quiz_view",
    "touch",
    "with_course",
]

QUIZ_NOT_FOUND = "Quiz not found"
ATTEMPT_NOT_FOUND = "Attempt not found"
NO_QUESTIONS = "A quiz needs at least one question to be published"


async def course_of(uow: AssessmentReader, course_id: UUID) -> CourseRef:
    course = await uow.course_directory.course(course_id)
    if course is None:
        raise NotFound("Course not found")
    return course


async def with_course(uow: AssessmentReader, quiz: Quiz | None) -> tuple[Quiz, CourseRef]:
    course = None if quiz is None else await uow.course_directory.course(quiz.course_id)
    if quiz is None or course is None:
        raise NotFound(QUIZ_NOT_FOUND)
    return quiz, course


async def editable_quiz(uow: AssessmentUnitOfWork, actor: Actor, quiz_id: UUID) -> tuple[Quiz, CourseRef]:
    """The quiz, locked for the unit of work (the root of its questions), if the actor may edit it."""
    quiz, course = await with_course(uow, await uow.quizzes.get(quiz_id, for_update=True))
    authorize_quiz_edit(actor, course, quiz)
    return quiz, course


async def check_lesson(uow: AssessmentReader, lesson_id: UUID | None, course_id: UUID) -> None:
    if lesson_id is not None and await uow.course_directory.lesson_course_id(lesson_id) != course_id:
        raise InvalidField("lesson_id", "lesson_id must be a lesson of the quiz's course")


async def quiz_view(uow: AssessmentReader, quiz_id: UUID, actor: Actor | None, course: CourseRef) -> QuizView:
    detail = await uow.quizzes.get_with_questions(quiz_id)
    if detail is None:
        raise NotFound(QUIZ_NOT_FOUND)
    return detail.view_for(actor, course)


async def touch(uow: AssessmentUnitOfWork, quiz: Quiz, clock: Clock) -> None:
    quiz.updated_at = clock.now()
    await uow.quizzes.update(quiz)
