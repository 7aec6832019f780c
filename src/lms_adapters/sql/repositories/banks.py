"""Question banks and their questions in SQL.

A bank a quiz draws from cannot be deleted: ``quiz_pools.bank_id`` has no ON DELETE action, so the
database refuses the delete (``BankInUse``), whatever was read before. Row locks on banks
(``BankLock``): writes take FOR UPDATE, publishing FOR SHARE and drawing FOR KEY SHARE, so
publishers and drawers wait only for writers (SQLite's writers take turns anyway).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.sql.repositories.assessment import question_of, question_row
from lms_adapters.sql.tables import bank_questions, question_banks, quiz_pools, quizzes
from lms_domain.assessment.entities import Question, QuestionBank
from lms_domain.assessment.ports import BankInUse, BankLock, BankSummary
from lms_domain.shared.pagination import PageRequest

__all__ = ["SqlQuestionBankRepository"]


def _bank(row: Any) -> QuestionBank:
    return QuestionBank(
        id=row.id,
        course_id=row.course_id,
        title=row.title,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _count_of(bank_id: Any) -> Any:
    return (
        select(func.count())
        .select_from(bank_questions)
        .where(bank_questions.c.bank_id == bank_id)
        .scalar_subquery()
    )


class SqlQuestionBankRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, bank_id: UUID, *, for_update: bool = False) -> QuestionBank | None:
        statement = select(question_banks).where(question_banks.c.id == bank_id)
        if for_update:
            statement = statement.with_for_update()
        row = (await self._connection.execute(statement)).first()
        return _bank(row) if row else None

    async def lock(self, bank_ids: Sequence[UUID], mode: BankLock) -> Mapping[UUID, QuestionBank]:
        if not bank_ids:
            return {}
        rows = await self._connection.execute(
            select(question_banks)
            .where(question_banks.c.id.in_(sorted(set(bank_ids))))
            .order_by(question_banks.c.id)
            .with_for_update(read=mode is not BankLock.WRITE, key_share=mode is BankLock.DRAW)
        )
        return {row.id: _bank(row) for row in rows}

    async def list(self, *, course_id: UUID, page: PageRequest) -> tuple[Sequence[BankSummary], int]:
        """Two statements whatever the page size: a count, and the page with its question counts."""
        total = (
            await self._connection.execute(
                select(func.count())
                .select_from(question_banks)
                .where(question_banks.c.course_id == course_id)
            )
        ).scalar_one()
        rows = await self._connection.execute(
            select(*question_banks.c, _count_of(question_banks.c.id).label("question_count"))
            .where(question_banks.c.course_id == course_id)
            .order_by(question_banks.c.created_at, question_banks.c.id)
            .limit(page.page_size)
            .offset(page.offset)
        )
        return [BankSummary(bank=_bank(r), question_count=r.question_count) for r in rows], total

    async def count_questions(self, bank_id: UUID) -> int:
        count: int = (await self._connection.execute(select(_count_of(bank_id)))).scalar_one()
        return count

    async def count_questions_of(self, bank_ids: Sequence[UUID]) -> Mapping[UUID, int]:
        counts = dict.fromkeys(bank_ids, 0)
        if bank_ids:
            rows = await self._connection.execute(
                select(bank_questions.c.bank_id, func.count())
                .where(bank_questions.c.bank_id.in_(list(bank_ids)))
                .group_by(bank_questions.c.bank_id)
            )
            counts.update({row[0]: row[1] for row in rows})
        return counts

    async def questions(self, bank_id: UUID, *, page: PageRequest) -> tuple[Sequence[Question], int]:
        total = await self.count_questions(bank_id)
        rows = await self._connection.execute(
            select(bank_questions)
            .where(bank_questions.c.bank_id == bank_id)
            .order_by(bank_questions.c.position, bank_questions.c.id)
            .limit(page.page_size)
            .offset(page.offset)
        )
        return [question_of(r) for r in rows], total

    async def questions_of(self, bank_ids: Sequence[UUID]) -> Mapping[UUID, Sequence[Question]]:
        found: dict[UUID, list[Question]] = {bank_id: [] for bank_id in bank_ids}
        if not bank_ids:
            return found
        rows = await self._connection.execute(
            select(bank_questions)
            .where(bank_questions.c.bank_id.in_(list(bank_ids)))
            .order_by(bank_questions.c.bank_id, bank_questions.c.position, bank_questions.c.id)
        )
        for row in rows:
            found[row.bank_id].append(question_of(row))
        return found

    async def get_question(self, bank_id: UUID, question_id: UUID) -> Question | None:
        row = (
            await self._connection.execute(
                select(bank_questions).where(
                    bank_questions.c.id == question_id, bank_questions.c.bank_id == bank_id
                )
            )
        ).first()
        return question_of(row) if row else None

    async def max_question_order(self, bank_id: UUID) -> int:
        found = await self._connection.execute(
            select(func.coalesce(func.max(bank_questions.c.position), 0)).where(
                bank_questions.c.bank_id == bank_id
            )
        )
        return int(found.scalar_one())

    async def largest_published_draw(self, bank_id: UUID) -> int:
        found = await self._connection.execute(
            select(func.coalesce(func.max(quiz_pools.c.count), 0))
            .join(quizzes, quizzes.c.id == quiz_pools.c.quiz_id)
            .where(quiz_pools.c.bank_id == bank_id, quizzes.c.is_published.is_(True))
        )
        return int(found.scalar_one())

    async def add(self, bank: QuestionBank) -> None:
        await self._connection.execute(
            insert(question_banks).values(
                id=bank.id,
                course_id=bank.course_id,
                title=bank.title,
                created_at=bank.created_at,
                updated_at=bank.updated_at,
            )
        )

    async def update(self, bank: QuestionBank) -> None:
        await self._connection.execute(
            update(question_banks)
            .where(question_banks.c.id == bank.id)
            .values(title=bank.title, updated_at=bank.updated_at)
        )

    async def delete(self, bank_id: UUID) -> None:
        try:
            async with self._connection.begin_nested():
                await self._connection.execute(delete(question_banks).where(question_banks.c.id == bank_id))
        except IntegrityError as e:
            raise BankInUse(str(bank_id)) from e

    async def add_question(self, question: Question) -> None:
        await self._connection.execute(insert(bank_questions).values(**question_row(question)))

    async def update_question(self, question: Question) -> None:
        values = question_row(question)
        del values["id"], values["bank_id"]
        await self._connection.execute(
            update(bank_questions).where(bank_questions.c.id == question.id).values(**values)
        )

    async def delete_question(self, question_id: UUID) -> None:
        await self._connection.execute(delete(bank_questions).where(bank_questions.c.id == question_id))
