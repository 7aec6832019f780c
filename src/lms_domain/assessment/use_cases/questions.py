"""Questions of a quiz: adding, changing and deleting them."""

from __future__ import annotations

from uuid import UUID

from lms_domain.assessment.entities import NewQuestion, Question, QuestionChanges
from lms_domain.assessment.ports import AssessmentUnitOfWork
from lms_domain.assessment.use_cases.access import editable_quiz, touch
from lms_domain.assessment.views import QuestionView
from lms_domain.shared.actors import Actor
from lms_domain.shared.errors import InvalidRequest, NotFound
from lms_domain.shared.ports import Clock, IdGenerator

__all__ = ["AddQuestion", "DeleteQuestion", "UpdateQuestion"]


class AddQuestion:
    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, *, actor: Actor, quiz_id: UUID, data: NewQuestion) -> QuestionView:
        async with self._uow as uow:
            quiz, _ = await editable_quiz(uow, actor, quiz_id)
            last = await uow.quizzes.max_question_order(quiz_id)
            question = Question.of(data, id=self._ids.new_id(), quiz_id=quiz_id, default_order=last + 1)
            await uow.quizzes.add_question(question)
            await touch(uow, quiz, self._clock)
            await uow.commit()
        return QuestionView.of(question, include_answers=True)


class UpdateQuestion:
    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(
        self, *, actor: Actor, quiz_id: UUID, question_id: UUID, changes: QuestionChanges
    ) -> QuestionView:
        async with self._uow as uow:
            quiz, _ = await editable_quiz(uow, actor, quiz_id)
            found = await uow.quizzes.get_question(quiz_id, question_id)
            if found is None:
                raise NotFound("Question not found")
            question = found.apply(changes)
            await uow.quizzes.update_question(question)
            await touch(uow, quiz, self._clock)
            await uow.commit()
        return QuestionView.of(question, include_answers=True)


class DeleteQuestion:
    """A published quiz without pools keeps at least one question (400 on deleting its last one).
    Attempts that were given the question keep it (their snapshots)."""

    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, *, actor: Actor, quiz_id: UUID, question_id: UUID) -> None:
        async with self._uow as uow:
            quiz, _ = await editable_quiz(uow, actor, quiz_id)
            if await uow.quizzes.get_question(quiz_id, question_id) is None:
                raise NotFound("Question not found")
            if (
                quiz.is_published
                and not quiz.question_pools
                and await uow.quizzes.count_questions(quiz_id) <= 1
            ):
                raise InvalidRequest("A published quiz keeps at least one question")
            await uow.quizzes.delete_question(question_id)
            await touch(uow, quiz, self._clock)
            await uow.commit()
