"""Assessment use cases: authoring quizzes and questions, taking and grading attempts."""

from __future__ import annotations

import random
from collections.abc import Sequence
from uuid import UUID

from lms_domain.assessment.entities import (
    Attempt,
    CourseRef,
    NewQuestion,
    NewQuiz,
    Question,
    QuestionChanges,
    Quiz,
    QuizChanges,
    draw_question_order,
)
from lms_domain.assessment.grading import SubmittedAnswer, grade_submission
from lms_domain.assessment.ports import AssessmentReader, AssessmentUnitOfWork, AttemptOpen
from lms_domain.assessment.views import (
    AttemptView,
    QuestionView,
    QuizAudience,
    QuizSummary,
    QuizView,
    authorize_quiz_edit,
    can_see_attempt,
    can_see_quiz,
)
from lms_domain.shared.actors import Actor
from lms_domain.shared.changes import UNCHANGED, apply_changes
from lms_domain.shared.errors import Conflict, Forbidden, InvalidField, InvalidRequest, NotFound
from lms_domain.shared.pagination import Page, PageRequest
from lms_domain.shared.ports import Clock, IdGenerator

__all__ = [
    "AddQuestion",
    "CreateQuiz",
    "DeleteQuestion",
    "DeleteQuiz",
    "GetAttempt",
    "GetQuiz",
    "ListQuizzes",
    "NewQuestion",
    "NewQuiz",
    "PublishQuiz",
    "QuestionChanges",
    "QuizChanges",
    "StartAttempt",
    "SubmitAttempt",
    "UpdateQuestion",
    "UpdateQuiz",
]

QUIZ_NOT_FOUND = "Quiz not found"
ATTEMPT_NOT_FOUND = "Attempt not found"
NO_QUESTIONS = "A quiz needs at least one question to be published"


async def _course(uow: AssessmentReader, course_id: UUID) -> CourseRef:
    course = await uow.course_directory.course(course_id)
    if course is None:
        raise NotFound("Course not found")
    return course


async def _with_course(uow: AssessmentReader, quiz: Quiz | None) -> tuple[Quiz, CourseRef]:
    course = None if quiz is None else await uow.course_directory.course(quiz.course_id)
    if quiz is None or course is None:
        raise NotFound(QUIZ_NOT_FOUND)
    return quiz, course


async def _editable_quiz(uow: AssessmentUnitOfWork, actor: Actor, quiz_id: UUID) -> tuple[Quiz, CourseRef]:
    """The quiz, locked for the unit of work (the root of its questions), if the actor may edit it."""
    quiz, course = await _with_course(uow, await uow.quizzes.get(quiz_id, for_update=True))
    authorize_quiz_edit(actor, course, quiz)
    return quiz, course


async def _check_lesson(uow: AssessmentReader, lesson_id: UUID | None, course_id: UUID) -> None:
    if lesson_id is not None and await uow.course_directory.lesson_course_id(lesson_id) != course_id:
        raise InvalidField("lesson_id", "lesson_id must be a lesson of the quiz's course")


async def _view(uow: AssessmentReader, quiz_id: UUID, actor: Actor | None, course: CourseRef) -> QuizView:
    detail = await uow.quizzes.get_with_questions(quiz_id)
    if detail is None:
        raise NotFound(QUIZ_NOT_FOUND)
    return detail.view_for(actor, course)


class CreateQuiz:
    """The course owner or an admin creates an unpublished quiz, optionally with its questions."""

    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, *, actor: Actor, data: NewQuiz) -> QuizView:
        quiz = Quiz.create(data, id=self._ids.new_id(), at=self._clock.now())
        questions: list[Question] = []
        for item in data.questions:
            last = max((q.order for q in questions), default=0)
            questions.append(
                Question.of(item, id=self._ids.new_id(), quiz_id=quiz.id, default_order=last + 1)
            )
        async with self._uow as uow:
            course = await _course(uow, data.course_id)
            authorize_quiz_edit(actor, course)
            await _check_lesson(uow, data.lesson_id, data.course_id)
            await uow.quizzes.add(quiz)
            for question in questions:
                await uow.quizzes.add_question(question)
            view = await _view(uow, quiz.id, actor, course)
            await uow.commit()
        return view


class GetQuiz:
    """A quiz with its questions; correct answers only for the course owner and admins."""

    def __init__(self, uow: AssessmentReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor | None, quiz_id: UUID) -> QuizView:
        async with self._uow as uow:
            quiz, course = await _with_course(uow, await uow.quizzes.get(quiz_id))
            if not can_see_quiz(actor, quiz, course):
                raise NotFound(QUIZ_NOT_FOUND)
            return await _view(uow, quiz_id, actor, course)


class ListQuizzes:
    def __init__(self, uow: AssessmentReader) -> None:
        self._uow = uow

    async def __call__(
        self,
        *,
        actor: Actor | None,
        page: PageRequest,
        course_id: UUID | None = None,
        lesson_id: UUID | None = None,
        published_only: bool = False,
    ) -> Page[QuizSummary]:
        async with self._uow as uow:
            items, total = await uow.quizzes.list(
                page=page,
                audience=QuizAudience.of(actor),
                course_id=course_id,
                lesson_id=lesson_id,
                published_only=published_only,
            )
        return Page.of(items, total, page)


class UpdateQuiz:
    """Change a quiz's fields; publishing through ``is_published`` needs a question, like PublishQuiz."""

    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, *, actor: Actor, quiz_id: UUID, changes: QuizChanges) -> QuizView:
        async with self._uow as uow:
            quiz, course = await _editable_quiz(uow, actor, quiz_id)
            updated = apply_changes(quiz, changes, updated_at=self._clock.now())
            if changes.lesson_id is not UNCHANGED:
                await _check_lesson(uow, updated.lesson_id, updated.course_id)
            if (
                updated.is_published
                and not quiz.is_published
                and not await uow.quizzes.count_questions(quiz_id)
            ):
                raise InvalidRequest(NO_QUESTIONS)
            await uow.quizzes.update(updated)
            view = await _view(uow, quiz_id, actor, course)
            await uow.commit()
        return view


class PublishQuiz:
    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, *, actor: Actor, quiz_id: UUID) -> QuizView:
        async with self._uow as uow:
            quiz, course = await _editable_quiz(uow, actor, quiz_id)
            if not await uow.quizzes.count_questions(quiz_id):
                raise InvalidRequest(NO_QUESTIONS)
            if not quiz.is_published:
                quiz.is_published, quiz.updated_at = True, self._clock.now()
                await uow.quizzes.update(quiz)
            view = await _view(uow, quiz_id, actor, course)
            await uow.commit()
        return view


class DeleteQuiz:
    """Removes the quiz with its questions and attempts."""

    def __init__(self, uow: AssessmentUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, quiz_id: UUID) -> None:
        async with self._uow as uow:
            await _editable_quiz(uow, actor, quiz_id)
            await uow.quizzes.delete(quiz_id)
            await uow.commit()


class AddQuestion:
    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, *, actor: Actor, quiz_id: UUID, data: NewQuestion) -> QuestionView:
        async with self._uow as uow:
            quiz, _ = await _editable_quiz(uow, actor, quiz_id)
            last = await uow.quizzes.max_question_order(quiz_id)
            question = Question.of(data, id=self._ids.new_id(), quiz_id=quiz_id, default_order=last + 1)
            await uow.quizzes.add_question(question)
            await _touch(uow, quiz, self._clock)
            await uow.commit()
        return QuestionView.of(question, include_answers=True)


class UpdateQuestion:
    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(
        self, *, actor: Actor, quiz_id: UUID, question_id: UUID, changes: QuestionChanges
    ) -> QuestionView:
        async with self._uow as uow:
            quiz, _ = await _editable_quiz(uow, actor, quiz_id)
            found = await uow.quizzes.get_question(quiz_id, question_id)
            if found is None:
                raise NotFound("Question not found")
            question = found.apply(changes)
            await uow.quizzes.update_question(question)
            await _touch(uow, quiz, self._clock)
            await uow.commit()
        return QuestionView.of(question, include_answers=True)


class DeleteQuestion:
    """A published quiz keeps at least one question (400 on deleting its last one)."""

    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, *, actor: Actor, quiz_id: UUID, question_id: UUID) -> None:
        async with self._uow as uow:
            quiz, _ = await _editable_quiz(uow, actor, quiz_id)
            if await uow.quizzes.get_question(quiz_id, question_id) is None:
                raise NotFound("Question not found")
            if quiz.is_published and await uow.quizzes.count_questions(quiz_id) <= 1:
                raise InvalidRequest("A published quiz keeps at least one question")
            await uow.quizzes.delete_question(question_id)
            await _touch(uow, quiz, self._clock)
            await uow.commit()


async def _touch(uow: AssessmentUnitOfWork, quiz: Quiz, clock: Clock) -> None:
    quiz.updated_at = clock.now()
    await uow.quizzes.update(quiz)


class StartAttempt:
    """An enrolled student opens an attempt of a published quiz.

    The question order is fixed at the start (a fresh permutation per attempt when the quiz
    shuffles). An open attempt already past its time limit is closed as expired first.
    """

    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock, ids: IdGenerator, rng: random.Random) -> None:
        self._uow, self._clock, self._ids, self._rng = uow, clock, ids, rng

    async def __call__(self, *, actor: Actor, quiz_id: UUID) -> AttemptView:
        now = self._clock.now()
        async with self._uow as uow:
            detail = await uow.quizzes.get_with_questions(quiz_id)
            course = None if detail is None else await uow.course_directory.course(detail.quiz.course_id)
            if detail is None or course is None:
                raise NotFound(QUIZ_NOT_FOUND)
            quiz = detail.quiz
            if not quiz.is_published or not can_see_quiz(actor, quiz, course):
                raise NotFound(QUIZ_NOT_FOUND)
            if not await uow.course_directory.is_enrolled(actor.user_id, quiz.course_id):
                raise Forbidden("Enroll in the course to take its quizzes")
            stale = await uow.attempts.get_open(actor.user_id, quiz_id)
            if stale is not None:
                if not stale.is_overdue(quiz, now):
                    raise Conflict("An attempt of this quiz is already open")
                stale.expire(now)
                await uow.attempts.finish(stale)
            if quiz.max_attempts is not None:  # unlimited quizzes need no count
                finished = await uow.attempts.count_submitted(actor.user_id, quiz_id)
                if finished >= quiz.max_attempts:
                    raise Conflict("No attempts left for this quiz")
            order = draw_question_order(
                [q.id for q in detail.questions], shuffle=quiz.shuffle_questions, rng=self._rng
            )
            attempt = Attempt(
                id=self._ids.new_id(),
                quiz_id=quiz_id,
                student_id=actor.user_id,
                started_at=now,
                question_order=order,
            )
            try:
                await uow.attempts.add(attempt)
            except AttemptOpen:
                raise Conflict("An attempt of this quiz is already open") from None
            await uow.commit()
        return AttemptView.of(attempt, detail, actor, course)


class GetAttempt:
    """Seen by its student, the course owner and admins; others get 404."""

    def __init__(self, uow: AssessmentReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, attempt_id: UUID) -> AttemptView:
        async with self._uow as uow:
            attempt = await uow.attempts.get(attempt_id)
            detail = None if attempt is None else await uow.quizzes.get_with_questions(attempt.quiz_id)
            course = None if detail is None else await uow.course_directory.course(detail.quiz.course_id)
            if (
                attempt is None
                or detail is None
                or course is None
                or not can_see_attempt(actor, attempt, course)
            ):
                raise NotFound(ATTEMPT_NOT_FOUND)
        return AttemptView.of(attempt, detail, actor, course)


class SubmitAttempt:
    """The attempt's student submits answers once; the attempt is graded in the same transaction.

    Later than the time limit plus the grace period, the attempt is closed as expired (answers
    ignored, score 0) and committed, and the call then fails with 409.
    """

    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(
        self, *, actor: Actor, attempt_id: UUID, answers: Sequence[SubmittedAnswer]
    ) -> AttemptView:
        now = self._clock.now()
        async with self._uow as uow:
            attempt = await uow.attempts.get(attempt_id)
            if attempt is None or attempt.student_id != actor.user_id:
                raise NotFound(ATTEMPT_NOT_FOUND)
            if not attempt.is_open:
                raise Conflict("This attempt has already been submitted")
            detail = await uow.quizzes.get_with_questions(attempt.quiz_id)
            course = None if detail is None else await uow.course_directory.course(detail.quiz.course_id)
            if detail is None or course is None:
                raise NotFound(ATTEMPT_NOT_FOUND)
            expired = attempt.is_overdue(detail.quiz, now)
            if expired:
                attempt.expire(now)
            else:
                questions = detail.in_order(attempt.question_order)
                grade = grade_submission(
                    questions,
                    answers,
                    detail.quiz.passing_score_percentage,
                    ignored=frozenset(attempt.question_order),
                )
                attempt.submit(answers=grade.answers, score=grade.score, passed=grade.passed, now=now)
            if not await uow.attempts.finish(attempt):
                raise Conflict("This attempt has already been submitted")
            await uow.commit()
        if expired:
            raise Conflict("The time limit of this attempt has passed; it was closed with a score of 0")
        return AttemptView.of(attempt, detail, actor, course)
