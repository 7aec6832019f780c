"""Quizzes: creating, reading, listing, changing, publishing and deleting them."""

from __future__ import annotations

from uuid import UUID

from lms_domain.assessment.entities import NewQuiz, Question, Quiz, QuizChanges
from lms_domain.assessment.ports import AssessmentReader, AssessmentUnitOfWork, BankLock, RulesStamp
from lms_domain.assessment.use_cases.access import (
    QUIZ_NOT_FOUND,
    check_lesson,
    course_of,
    editable_quiz,
    quiz_view,
    with_course,
)
from lms_domain.assessment.use_cases.banks import check_pool_banks, check_publishable
from lms_domain.assessment.views import QuizAudience, QuizSummary, QuizView, authorize_quiz_edit, can_see_quiz
from lms_domain.shared.actors import Actor
from lms_domain.shared.changes import UNCHANGED, apply_changes
from lms_domain.shared.errors import NotFound
from lms_domain.shared.pagination import Page, PageRequest
from lms_domain.shared.ports import Clock, IdGenerator

__all__ = ["CreateQuiz", "DeleteQuiz", "GetQuiz", "ListQuizzes", "PublishQuiz", "UpdateQuiz"]


class CreateQuiz:
    """A course editor creates an unpublished quiz, optionally with its questions and pools (each
    of a bank of the course, else 422)."""

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
            course = await course_of(uow, data.course_id)
            authorize_quiz_edit(actor, course)
            await check_lesson(uow, data.lesson_id, data.course_id)
            await check_pool_banks(uow, quiz, BankLock.DRAW)
            await uow.quizzes.add(quiz)
            for question in questions:
                await uow.quizzes.add_question(question)
            if quiz.question_pools:
                await uow.quizzes.set_pools(quiz.id, quiz.question_pools)
            view = await quiz_view(uow, quiz.id, actor, course)
            await uow.commit()
        return view


class GetQuiz:
    """A quiz with its questions; correct answers only for the course owner and admins."""

    def __init__(self, uow: AssessmentReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor | None, quiz_id: UUID) -> QuizView:
        async with self._uow as uow:
            quiz, course = await with_course(uow, await uow.quizzes.get(quiz_id))
            if not can_see_quiz(actor, quiz, course):
                raise NotFound(QUIZ_NOT_FOUND)
            return await quiz_view(uow, quiz_id, actor, course)


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
    """Change a quiz's fields; a quiz published through ``is_published``, or published already and
    given new pools, is checked as PublishQuiz checks it (400)."""

    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, *, actor: Actor, quiz_id: UUID, changes: QuizChanges) -> QuizView:
        async with self._uow as uow:
            quiz, course = await editable_quiz(uow, actor, quiz_id)
            updated = apply_changes(quiz, changes, updated_at=self._clock.now())
            if changes.lesson_id is not UNCHANGED:
                await check_lesson(uow, updated.lesson_id, updated.course_id)
            new_pools = updated.question_pools != quiz.question_pools
            if new_pools:
                await check_pool_banks(uow, updated, BankLock.DRAW)
            if updated.is_published and (new_pools or not quiz.is_published):
                await check_publishable(uow, updated)
            await uow.quizzes.update(updated)
            if new_pools:
                await uow.quizzes.set_pools(quiz_id, updated.question_pools)
            view = await quiz_view(uow, quiz_id, actor, course)
            await uow.commit()
        return view


class PublishQuiz:
    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, *, actor: Actor, quiz_id: UUID) -> QuizView:
        async with self._uow as uow:
            quiz, course = await editable_quiz(uow, actor, quiz_id)
            await check_publishable(uow, quiz)
            if not quiz.is_published:
                quiz.is_published, quiz.updated_at = True, self._clock.now()
                await uow.quizzes.update(quiz)
            view = await quiz_view(uow, quiz_id, actor, course)
            await uow.commit()
        return view


class DeleteQuiz:
    """Removes the quiz with its questions and attempts, and from the release rules that name it:
    the catalog's stamp is renewed once the unit of work is over (committed or not, as catalog
    writes do), before it answers."""

    def __init__(self, uow: AssessmentUnitOfWork, stamp: RulesStamp) -> None:
        self._uow, self._stamp = uow, stamp

    async def __call__(self, *, actor: Actor, quiz_id: UUID) -> None:
        try:
            async with self._uow as uow:
                await editable_quiz(uow, actor, quiz_id)
                await uow.quizzes.delete(quiz_id)
                await uow.commit()
        finally:
            await self._stamp.renew()
