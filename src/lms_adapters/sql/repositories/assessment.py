"""Quizzes and their questions in SQL, and the course directory assessment reads (attempts:
``attempts.py``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import and_, delete, func, insert, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.sql.prebuilt import built_once
from lms_adapters.sql.repositories.catalog import on_staff, release_rule_of
from lms_adapters.sql.repositories.learning import SqlEnrollmentRepository
from lms_adapters.sql.tables import course_staff, courses, lessons, questions, quiz_pools, quizzes
from lms_domain.assessment.entities import (
    CourseRef,
    Pool,
    Question,
    QuestionType,
    Quiz,
    Scoring,
)
from lms_domain.assessment.views import QuizAudience, QuizDetail, QuizSummary
from lms_domain.shared.course_access import StaffRole
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.release import ReleaseRule

__all__ = [
    "QUESTIONS_OF_QUIZ",
    "SqlCourseDirectory",
    "SqlQuizRepository",
    "question_of",
    "question_row",
    "quiz_of",
]


def _quiz_row(quiz: Quiz) -> dict[str, Any]:
    return {
        "id": quiz.id,
        "course_id": quiz.course_id,
        "lesson_id": quiz.lesson_id,
        "title": quiz.title,
        "description": quiz.description,
        "time_limit_minutes": quiz.time_limit_minutes,
        "passing_score_percentage": quiz.passing_score_percentage,
        "shuffle_questions": quiz.shuffle_questions,
        "max_attempts": quiz.max_attempts,
        "is_published": quiz.is_published,
        "scoring": quiz.scoring.value,
        "question_pools": [{"bank_id": str(p.bank_id), "count": p.count} for p in quiz.question_pools],
        "created_at": quiz.created_at,
        "updated_at": quiz.updated_at,
    }


def quiz_of(row: Any) -> Quiz:
    """A quiz from its row (its columns by name in the row's mapping)."""
    return _quiz(row)


def _quiz(row: Any) -> Quiz:
    m = row._mapping
    return Quiz(
        id=m["id"],
        course_id=m["course_id"],
        lesson_id=m["lesson_id"],
        title=m["title"],
        description=m["description"],
        time_limit_minutes=m["time_limit_minutes"],
        passing_score_percentage=m["passing_score_percentage"],
        shuffle_questions=m["shuffle_questions"],
        max_attempts=m["max_attempts"],
        is_published=m["is_published"],
        scoring=Scoring(m["scoring"]),
        question_pools=tuple(Pool(bank_id=UUID(p["bank_id"]), count=p["count"]) for p in m["question_pools"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def question_row(question: Question) -> dict[str, Any]:
    """A quiz question's row (``questions``) or, with ``bank_id`` instead of ``quiz_id``, a bank
    question's (``bank_questions``)."""
    owner = {"quiz_id": question.quiz_id} if question.bank_id is None else {"bank_id": question.bank_id}
    return {
        "id": question.id,
        **owner,
        "question_text": question.question_text,
        "question_type": question.question_type.value,
        "options": list(question.options),
        "correct_answer": question.correct_answer,
        "points": question.points,
        "position": question.order,
        "tolerance": None if question.tolerance is None else str(question.tolerance),
    }


def question_of(row: Any) -> Question:
    """A question from its row in ``questions`` or ``bank_questions``."""
    answer = row.correct_answer
    m = row._mapping
    return Question(
        id=row.id,
        quiz_id=m.get("quiz_id"),
        bank_id=m.get("bank_id"),
        question_text=row.question_text,
        question_type=QuestionType(row.question_type),
        options=list(row.options),
        correct_answer=None if answer is None else list(answer) if isinstance(answer, list) else str(answer),
        points=row.points,
        order=row.position,
        tolerance=None if row.tolerance is None else Decimal(row.tolerance),
    )


def _question_count(quiz_id: Any) -> Any:
    return select(func.count()).select_from(questions).where(questions.c.quiz_id == quiz_id).scalar_subquery()


def _admitted(audience: QuizAudience) -> Any:
    """The SQL form of ``QuizAudience.admits`` over ``quizzes`` joined to ``courses``."""
    if audience.sees_everything:
        return true()
    public = and_(quizzes.c.is_published.is_(True), courses.c.is_published.is_(True))
    if audience.member_id is None:
        return public
    return or_(
        public, courses.c.instructor_id == audience.member_id, on_staff(courses.c.id, audience.member_id)
    )


_QUIZ_BY_ID = built_once(lambda quiz_id: select(quizzes).where(quizzes.c.id == quiz_id))
_QUIZ_FOR_UPDATE = built_once(
    lambda quiz_id: select(quizzes).where(quizzes.c.id == quiz_id).with_for_update(key_share=True)
)
# a regrade: FOR UPDATE, which FOR KEY SHARE (an attempt starting) waits for
_QUIZ_EXCLUSIVE = built_once(lambda quiz_id: select(quizzes).where(quizzes.c.id == quiz_id).with_for_update())
_QUIZ_FOR_ATTEMPT = built_once(
    lambda quiz_id: select(quizzes).where(quizzes.c.id == quiz_id).with_for_update(read=True, key_share=True)
)
_QUESTIONS_OF_QUIZ = built_once(
    lambda quiz_id: (
        select(questions).where(questions.c.quiz_id == quiz_id).order_by(questions.c.position, questions.c.id)
    )
)
# one row per staff member (one with NULLs when the course has none)
_COURSE_REF = built_once(
    lambda course_id: (
        select(
            courses.c.id,
            courses.c.instructor_id,
            courses.c.is_published,
            course_staff.c.user_id,
            course_staff.c.role,
        )
        .join_from(courses, course_staff, course_staff.c.course_id == courses.c.id, isouter=True)
        .where(courses.c.id == course_id)
    )
)


QUESTIONS_OF_QUIZ = _QUESTIONS_OF_QUIZ


class SqlQuizRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, quiz_id: UUID, *, for_update: bool = False, exclusive: bool = False) -> Quiz | None:
        # FOR NO KEY UPDATE: PostgreSQL locks the row; SQLite's BEGIN IMMEDIATE already holds the file
        statement = _QUIZ_EXCLUSIVE() if exclusive else _QUIZ_FOR_UPDATE() if for_update else _QUIZ_BY_ID()
        return await self._quiz(statement, quiz_id)

    async def _quiz(self, statement: Any, quiz_id: UUID) -> Quiz | None:
        row = (await self._connection.execute(statement, {"quiz_id": quiz_id})).first()
        return _quiz(row) if row else None

    async def get_many(self, quiz_ids: Collection[UUID]) -> Mapping[UUID, Quiz]:
        if not quiz_ids:
            return {}
        rows = await self._connection.execute(select(quizzes).where(quizzes.c.id.in_(list(quiz_ids))))
        return {row.id: _quiz(row) for row in rows}

    async def get_with_questions(self, quiz_id: UUID) -> QuizDetail | None:
        return await self._detail(_QUIZ_BY_ID(), quiz_id)

    async def get_for_attempt(self, quiz_id: UUID) -> QuizDetail | None:
        # FOR KEY SHARE: waits only for FOR UPDATE (a regrade), never for edits or other starts
        return await self._detail(_QUIZ_FOR_ATTEMPT(), quiz_id)

    async def _detail(self, statement: Any, quiz_id: UUID) -> QuizDetail | None:
        quiz = await self._quiz(statement, quiz_id)
        if quiz is None:
            return None
        rows = await self._connection.execute(_QUESTIONS_OF_QUIZ(), {"quiz_id": quiz_id})
        return QuizDetail(quiz=quiz, questions=tuple(question_of(r) for r in rows))

    async def set_pools(self, quiz_id: UUID, pools: Sequence[Pool]) -> None:
        await self._connection.execute(delete(quiz_pools).where(quiz_pools.c.quiz_id == quiz_id))
        if pools:
            await self._connection.execute(
                insert(quiz_pools),
                [
                    {"quiz_id": quiz_id, "bank_id": p.bank_id, "count": p.count, "position": i}
                    for i, p in enumerate(pools, start=1)
                ],
            )

    async def add(self, quiz: Quiz) -> None:
        await self._connection.execute(insert(quizzes).values(**_quiz_row(quiz)))

    async def update(self, quiz: Quiz) -> None:
        values = _quiz_row(quiz)
        del values["id"], values["course_id"], values["created_at"]
        await self._connection.execute(update(quizzes).where(quizzes.c.id == quiz.id).values(**values))

    async def delete(self, quiz_id: UUID) -> None:
        """Questions and attempts go with it (ON DELETE CASCADE)."""
        await self._connection.execute(delete(quizzes).where(quizzes.c.id == quiz_id))

    async def list(
        self,
        *,
        page: PageRequest,
        audience: QuizAudience,
        course_id: UUID | None = None,
        lesson_id: UUID | None = None,
        published_only: bool = False,
    ) -> tuple[Sequence[QuizSummary], int]:
        """Two statements whatever the page size: a count, and the page with its question counts."""
        conditions = [_admitted(audience)]
        if course_id is not None:
            conditions.append(quizzes.c.course_id == course_id)
        if lesson_id is not None:
            conditions.append(quizzes.c.lesson_id == lesson_id)
        if published_only:
            conditions.append(quizzes.c.is_published.is_(True))
        joined = quizzes.join(courses, courses.c.id == quizzes.c.course_id)
        total = (
            await self._connection.execute(select(func.count()).select_from(joined).where(*conditions))
        ).scalar_one()
        rows = await self._connection.execute(
            select(*quizzes.c, _question_count(quizzes.c.id).label("question_count"))
            .select_from(joined)
            .where(*conditions)
            .order_by(quizzes.c.created_at, quizzes.c.id)
            .limit(page.page_size)
            .offset(page.offset)
        )
        return [QuizSummary(quiz=_quiz(r), question_count=r.question_count) for r in rows], total

    async def get_question(self, quiz_id: UUID, question_id: UUID) -> Question | None:
        row = (
            await self._connection.execute(
                select(questions).where(questions.c.id == question_id, questions.c.quiz_id == quiz_id)
            )
        ).first()
        return question_of(row) if row else None

    async def add_question(self, question: Question) -> None:
        await self._connection.execute(insert(questions).values(**question_row(question)))

    async def update_question(self, question: Question) -> None:
        values = question_row(question)
        del values["id"], values["quiz_id"]
        await self._connection.execute(
            update(questions).where(questions.c.id == question.id).values(**values)
        )

    async def delete_question(self, question_id: UUID) -> None:
        await self._connection.execute(delete(questions).where(questions.c.id == question_id))

    async def count_questions(self, quiz_id: UUID) -> int:
        count: int = (await self._connection.execute(select(_question_count(quiz_id)))).scalar_one()
        return count

    async def max_question_order(self, quiz_id: UUID) -> int:
        found = await self._connection.execute(
            select(func.coalesce(func.max(questions.c.position), 0)).where(questions.c.quiz_id == quiz_id)
        )
        return int(found.scalar_one())


class SqlCourseDirectory:
    """Reads the catalog's courses and lessons and the enrollments."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def course(self, course_id: UUID) -> CourseRef | None:
        rows = (await self._connection.execute(_COURSE_REF(), {"course_id": course_id})).all()
        if not rows:
            return None
        head = rows[0]
        staff = tuple((r.user_id, StaffRole(r.role)) for r in rows if r.user_id is not None)
        return CourseRef(
            id=head.id, instructor_id=head.instructor_id, is_published=head.is_published, staff=staff
        )

    async def lesson_course_id(self, lesson_id: UUID) -> UUID | None:
        found = await self._connection.execute(select(lessons.c.course_id).where(lessons.c.id == lesson_id))
        value: UUID | None = found.scalar_one_or_none()
        return value

    async def is_enrolled(self, student_id: UUID, course_id: UUID) -> bool:
        return await SqlEnrollmentRepository(self._connection).is_enrolled(
            student_id=student_id, course_id=course_id
        )

    async def release_rule(self, lesson_id: UUID) -> ReleaseRule | None:
        return await release_rule_of(self._connection, lesson_id)
