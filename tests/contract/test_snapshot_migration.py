"""Migration 0019's data step on both databases: attempts made before it get a snapshot of their
quiz's questions in their own order (questions not in it appended, as they were shown), the
``attempt_questions`` rows that index it, and ``graded`` when finished. Then down to 0018 (an
attempt awaiting review gets 0) and up again."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, insert, select, update

from lms_adapters.sql.engine import make_engine
from lms_adapters.sql.migrate import alembic_config, upgrade
from lms_adapters.sql.tables import attempt_questions, courses, questions, quiz_attempts, quizzes, users
from lms_adapters.sql.uow import SqlUnitOfWork
from lms_adapters.sql.urls import sync_url
from lms_domain.assessment.entities import AttemptStatus, GradingStatus, Question, QuestionType
from tests.conftest import needs_pg
from tests.contract.catalog_data import NOW


def seed_at_0018(engine: Engine) -> dict[str, Any]:
    """A quiz of 3 questions (ordering, numeric, multiple choice), an open attempt given 2 of them
    in its order, and a submitted one given all 3 (and a question deleted since), written with
    0018's columns only."""
    student, owner, course_id, quiz_id = (uuid.uuid4() for _ in range(4))
    first, second, third, gone = (uuid.uuid4() for _ in range(4))
    opened, submitted = uuid.uuid4(), uuid.uuid4()
    stamps = {"created_at": NOW, "updated_at": NOW}
    with engine.begin() as conn:
        for user_id, role in ((owner, "instructor"), (student, "student")):
            conn.execute(
                insert(users).values(
                    id=user_id, email=f"{user_id.hex}@example.com", full_name="U", password_hash="h",
                    role=role, is_active=True, mfa_enabled=False, **stamps,
                )
            )  # fmt: skip
        conn.execute(
            insert(courses).values(
                id=course_id, instructor_id=owner, title="C", slug="c", description="", is_published=True,
                **stamps,
            )
        )  # fmt: skip
        conn.execute(
            insert(quizzes).values(
                id=quiz_id, course_id=course_id, title="Q", description="", passing_score_percentage=50,
                shuffle_questions=True, is_published=True, scoring="partial", **stamps,
            )
        )  # fmt: skip
        for question_id, position, kind, options, key, tolerance in (
            (first, 1, "ordering", ["b", "a"], ["a", "b"], None),
            (second, 2, "numeric", [], "-0.30", "0.0050"),
            (third, 3, "multiple_choice", ["x", "Ünï"], "Ünï", None),
        ):
            conn.execute(
                insert(questions).values(
                    id=question_id, quiz_id=quiz_id, question_text=f"Q{position}", question_type=kind,
                    options=options, correct_answer=key, points=position, position=position,
                    tolerance=tolerance,
                )
            )  # fmt: skip
        common = {"quiz_id": quiz_id, "student_id": student, "started_at": NOW}
        conn.execute(
            insert(quiz_attempts).values(
                id=opened, question_order=[str(third), str(first)], answers=[], score=None, passed=None,
                status="open", ended_at=None, **common,
            )
        )  # fmt: skip
        conn.execute(
            insert(quiz_attempts).values(
                id=submitted,
                question_order=[str(second), str(gone), str(third), str(first)],
                answers=[{"question_id": str(third), "answer": "Ünï", "correct": True, "points_earned": 3}],
                score=50.0, passed=True, status="submitted", ended_at=NOW + timedelta(minutes=5), **common,
            )
        )  # fmt: skip
    return {
        "quiz": quiz_id,
        "questions": (first, second, third),
        "open": opened,
        "submitted": submitted,
        "student": student,
    }


def holdings(engine: Engine) -> set[tuple[UUID, UUID]]:
    with engine.connect() as conn:
        rows = conn.execute(select(attempt_questions.c.attempt_id, attempt_questions.c.question_id))
        return {(r.attempt_id, r.question_id) for r in rows}


def awaiting_review(engine: Engine, seeded: dict[str, Any]) -> None:
    """The open attempt submitted with an essay (a new question) awaiting a grader."""
    with engine.begin() as conn:
        conn.execute(
            insert(questions).values(
                id=uuid.uuid4(), quiz_id=seeded["quiz"], question_text="Why?", question_type="essay",
                options=[], correct_answer=None, points=4, position=4, tolerance=None,
            )
        )  # fmt: skip
        conn.execute(
            update(quiz_attempts)
            .where(quiz_attempts.c.id == seeded["open"])
            .values(
                status="submitted",
                ended_at=NOW + timedelta(minutes=9),
                grading_status="pending_review",
                score=None,
                passed=None,
            )
        )


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=needs_pg)])
async def test_0019_snapshots_attempts_made_before_it_and_goes_down_and_up(
    request: pytest.FixtureRequest, backend: str
) -> None:
    url = request.getfixturevalue("pg_url" if backend == "postgres" else "sqlite_url")
    config = alembic_config(url)
    sync = create_engine(sync_url(url))
    engine = make_engine(url)
    try:
        command.downgrade(config, "0018")
        seeded = seed_at_0018(sync)
        first, second, third = seeded["questions"]
        upgrade(url)

        async with SqlUnitOfWork(engine) as uow:
            detail = await uow.quizzes.get_with_questions(seeded["quiz"])
            opened = await uow.attempts.get(seeded["open"])
            submitted = await uow.attempts.get(seeded["submitted"])
        assert detail is not None and opened is not None and submitted is not None
        by_id = {q.id: q for q in detail.questions}
        assert [q.id for q in detail.questions] == [first, second, third]
        # in the attempt's order, the quiz's questions it did not name after them (as shown before)
        assert opened.questions == [by_id[third], by_id[first], by_id[second]]
        assert submitted.questions == [by_id[second], by_id[third], by_id[first]]
        assert by_id[second] == Question(
            id=second,
            quiz_id=seeded["quiz"],
            question_text="Q2",
            question_type=QuestionType.NUMERIC,
            options=[],
            correct_answer="-0.30",
            points=2,
            order=2,
            tolerance=Decimal("0.0050"),
        )
        assert str(submitted.questions[0].tolerance) == "0.0050"
        assert all(q.bank_id is None for q in [*opened.questions, *submitted.questions])
        assert (opened.status, opened.grading_status) == (AttemptStatus.OPEN, None)
        assert (submitted.status, submitted.grading_status) == (AttemptStatus.SUBMITTED, GradingStatus.GRADED)
        assert (submitted.score, submitted.passed) == (50.0, True)
        assert holdings(sync) == {(seeded["open"], q) for q in (first, second, third)} | {
            (seeded["submitted"], q) for q in (first, second, third)
        }
        async with SqlUnitOfWork(engine) as uow:  # the regrade's index finds them
            assert [a.id for a in await uow.attempts.holding(second, after=None, limit=10)] == sorted(
                [seeded["open"], seeded["submitted"]]
            )
            await uow.commit()

        # an essay awaiting a grader: the attempt gets 0 on the way down and the essay goes (0018
        # knows no essays)
        awaiting_review(sync, seeded)
        await engine.dispose()
        command.downgrade(config, "0018")
        with sync.connect() as conn:
            rows = {
                r.id: (r.score, r.passed, r.status)
                for r in conn.execute(
                    select(
                        quiz_attempts.c.id,
                        quiz_attempts.c.score,
                        quiz_attempts.c.passed,
                        quiz_attempts.c.status,
                    )
                )
            }
            left = conn.execute(select(questions.c.id).order_by(questions.c.position)).scalars().all()
        assert left == [first, second, third]
        assert rows == {
            seeded["open"]: (0.0, False, "submitted"),
            seeded["submitted"]: (50.0, True, "submitted"),
        }

        upgrade(url)
        async with SqlUnitOfWork(engine) as uow:
            again_open = await uow.attempts.get(seeded["open"])
            again_submitted = await uow.attempts.get(seeded["submitted"])
        assert again_open == replace(
            opened,
            status=AttemptStatus.SUBMITTED,
            ended_at=NOW + timedelta(minutes=9),
            score=0.0,
            passed=False,
            grading_status=GradingStatus.GRADED,
        )
        assert again_submitted == submitted
        assert len(holdings(sync)) == 6
    finally:
        upgrade(url)
        await engine.dispose()
        sync.dispose()
