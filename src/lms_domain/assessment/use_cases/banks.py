"""Question banks of a course, their questions, and the checks of the quizzes that draw from them.

Every bank endpoint is for the course's editors; teaching assistants may read. Anyone else is told
nothing exists (404); a teaching assistant asking to change a bank gets 403.
"""

from __future__ import annotations

from uuid import UUID

from lms_domain.assessment.entities import (
    BankChanges,
    CourseRef,
    NewQuestion,
    Question,
    QuestionBank,
    QuestionChanges,
    Quiz,
)
from lms_domain.assessment.ports import (
    AssessmentReader,
    AssessmentUnitOfWork,
    BankInUse,
    BankLock,
    BankSummary,
)
from lms_domain.assessment.use_cases.access import NO_QUESTIONS, course_of
from lms_domain.assessment.views import QuestionView
from lms_domain.shared.actors import Actor
from lms_domain.shared.changes import apply_changes
from lms_domain.shared.errors import Conflict, Forbidden, InvalidField, InvalidRequest, NotFound
from lms_domain.shared.pagination import Page, PageRequest
from lms_domain.shared.ports import Clock, IdGenerator

__all__ = [
    "BANK_NOT_FOUND",
    "AddBankQuestion",
    "CreateBank",
    "DeleteBank",
    "DeleteBankQuestion",
    "GetBank",
    "ListBankQuestions",
    "ListBanks",
    "UpdateBank",
    "UpdateBankQuestion",
    "check_pool_banks",
    "check_publishable",
    "readable_bank",
    "writable_bank",
]

BANK_NOT_FOUND = "Question bank not found"
QUESTION_NOT_FOUND = "Question not found"


def _authorize(actor: Actor, course: CourseRef, *, write: bool, missing: str = BANK_NOT_FOUND) -> None:
    access = course.access(actor)
    if not access.reads_all:
        raise NotFound(missing)
    if write and not access.edits:
        raise Forbidden("Only the course's instructors or an admin can change its question banks")


async def readable_bank(uow: AssessmentReader, actor: Actor, bank_id: UUID) -> tuple[QuestionBank, CourseRef]:
    bank = await uow.banks.get(bank_id)
    course = None if bank is None else await uow.course_directory.course(bank.course_id)
    if bank is None or course is None:
        raise NotFound(BANK_NOT_FOUND)
    _authorize(actor, course, write=False)
    return bank, course


async def writable_bank(
    uow: AssessmentUnitOfWork, actor: Actor, bank_id: UUID
) -> tuple[QuestionBank, CourseRef]:
    """The bank, locked for writing (``BankLock.WRITE``), if the actor may change it."""
    bank = await uow.banks.get(bank_id, for_update=True)
    course = None if bank is None else await uow.course_directory.course(bank.course_id)
    if bank is None or course is None:
        raise NotFound(BANK_NOT_FOUND)
    _authorize(actor, course, write=True)
    return bank, course


async def check_pool_banks(uow: AssessmentUnitOfWork, quiz: Quiz, mode: BankLock) -> None:
    """Every pool of ``quiz`` names a bank of the quiz's course (else 422); the banks are locked in
    ``mode``."""
    if not quiz.question_pools:
        return
    banks = await uow.banks.lock([p.bank_id for p in quiz.question_pools], mode)
    for pool in quiz.question_pools:
        bank = banks.get(pool.bank_id)
        if bank is None or bank.course_id != quiz.course_id:
            raise InvalidField(
                "question_pools", f"{pool.bank_id} is not a question bank of the quiz's course"
            )


async def check_publishable(uow: AssessmentUnitOfWork, quiz: Quiz) -> None:
    """A published quiz has questions or pools (400), and no pool asks for more questions than its
    bank has (400); the banks stay locked against changes until the unit of work ends."""
    if not quiz.question_pools:
        if not await uow.quizzes.count_questions(quiz.id):
            raise InvalidRequest(NO_QUESTIONS)
        return
    await check_pool_banks(uow, quiz, BankLock.PUBLISH)
    sizes = await uow.banks.count_questions_of([p.bank_id for p in quiz.question_pools])
    for pool in quiz.question_pools:
        have = sizes.get(pool.bank_id, 0)
        if pool.count > have:
            raise InvalidRequest(
                f"A pool draws {pool.count} questions from bank {pool.bank_id}, which has {have}"
            )


class CreateBank:
    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, *, actor: Actor, course_id: UUID, title: str) -> BankSummary:
        now = self._clock.now()
        bank = QuestionBank(
            id=self._ids.new_id(), course_id=course_id, title=title, created_at=now, updated_at=now
        ).validated()
        async with self._uow as uow:
            _authorize(actor, await course_of(uow, course_id), write=True, missing="Course not found")
            await uow.banks.add(bank)
            await uow.commit()
        return BankSummary(bank=bank, question_count=0)


class ListBanks:
    def __init__(self, uow: AssessmentReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, course_id: UUID, page: PageRequest) -> Page[BankSummary]:
        async with self._uow as uow:
            _authorize(actor, await course_of(uow, course_id), write=False, missing="Course not found")
            items, total = await uow.banks.list(course_id=course_id, page=page)
        return Page.of(items, total, page)


class GetBank:
    def __init__(self, uow: AssessmentReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, bank_id: UUID) -> BankSummary:
        async with self._uow as uow:
            bank, _ = await readable_bank(uow, actor, bank_id)
            count = await uow.banks.count_questions(bank_id)
        return BankSummary(bank=bank, question_count=count)


class UpdateBank:
    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, *, actor: Actor, bank_id: UUID, changes: BankChanges) -> BankSummary:
        async with self._uow as uow:
            bank, _ = await writable_bank(uow, actor, bank_id)
            updated = apply_changes(bank, changes, updated_at=self._clock.now())
            await uow.banks.update(updated)
            count = await uow.banks.count_questions(bank_id)
            await uow.commit()
        return BankSummary(bank=updated, question_count=count)


class DeleteBank:
    """A bank a quiz draws from stays (409)."""

    def __init__(self, uow: AssessmentUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, bank_id: UUID) -> None:
        async with self._uow as uow:
            await writable_bank(uow, actor, bank_id)
            try:
                await uow.banks.delete(bank_id)
            except BankInUse:
                raise Conflict("A quiz draws from this question bank; change its pools first") from None
            await uow.commit()


class AddBankQuestion:
    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, *, actor: Actor, bank_id: UUID, data: NewQuestion) -> QuestionView:
        async with self._uow as uow:
            bank, _ = await writable_bank(uow, actor, bank_id)
            last = await uow.banks.max_question_order(bank_id)
            question = Question.of(
                data, id=self._ids.new_id(), quiz_id=None, bank_id=bank_id, default_order=last + 1
            )
            await uow.banks.add_question(question)
            await _touch(uow, bank, self._clock)
            await uow.commit()
        return QuestionView.of(question, include_answers=True)


class ListBankQuestions:
    """With their keys: only those who may see keys read banks."""

    def __init__(self, uow: AssessmentReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, bank_id: UUID, page: PageRequest) -> Page[QuestionView]:
        async with self._uow as uow:
            await readable_bank(uow, actor, bank_id)
            items, total = await uow.banks.questions(bank_id, page=page)
        return Page.of([QuestionView.of(q, include_answers=True) for q in items], total, page)


class UpdateBankQuestion:
    """Change a bank question; attempts that drew it keep it as it was (their snapshots)."""

    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(
        self, *, actor: Actor, bank_id: UUID, question_id: UUID, changes: QuestionChanges
    ) -> QuestionView:
        async with self._uow as uow:
            bank, _ = await writable_bank(uow, actor, bank_id)
            found = await uow.banks.get_question(bank_id, question_id)
            if found is None:
                raise NotFound(QUESTION_NOT_FOUND)
            question = found.apply(changes)
            await uow.banks.update_question(question)
            await _touch(uow, bank, self._clock)
            await uow.commit()
        return QuestionView.of(question, include_answers=True)


class DeleteBankQuestion:
    """409 when the bank would be left with fewer questions than a published quiz draws from it."""

    def __init__(self, uow: AssessmentUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, *, actor: Actor, bank_id: UUID, question_id: UUID) -> None:
        async with self._uow as uow:
            bank, _ = await writable_bank(uow, actor, bank_id)
            if await uow.banks.get_question(bank_id, question_id) is None:
                raise NotFound(QUESTION_NOT_FOUND)
            needed = await uow.banks.largest_published_draw(bank_id)
            if needed and await uow.banks.count_questions(bank_id) - 1 < needed:
                raise Conflict(
                    f"A published quiz draws {needed} questions from this bank; it cannot have fewer"
                )
            await uow.banks.delete_question(question_id)
            await _touch(uow, bank, self._clock)
            await uow.commit()


async def _touch(uow: AssessmentUnitOfWork, bank: QuestionBank, clock: Clock) -> None:
    bank.updated_at = clock.now()
    await uow.banks.update(bank)
