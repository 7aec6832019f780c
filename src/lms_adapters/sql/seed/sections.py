"""The seed's sections: one table's share each, in the order they are written."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, inspect

from lms_adapters.sql import tables as t
from lms_adapters.sql.seed.assessment import (
    attempt_question_rows,
    attempt_rows,
    question_rows,
    quiz_rows,
    quizzes_per_course,
)
from lms_adapters.sql.seed.catalog import course_rows, lesson_rows
from lms_adapters.sql.seed.identity import user_rows
from lms_adapters.sql.seed.learning import completion_rows, enrollment_rows
from lms_adapters.sql.seed.scale import DEMO_LOGINS, Scale

__all__ = ["SECTIONS", "Section"]


@dataclass(frozen=True, slots=True)
class Section:
    """One table's share of the seed: its rows, how many, and whether it applies here."""

    name: str
    table: Callable[[Connection], Table]
    count: Callable[[Scale], int]
    rows: Callable[[Scale, str], Iterable[dict[str, Any]]]
    present: Callable[[Connection], bool] = lambda _conn: True
    kind: str = ""
    key: str = "id"
    """The column holding the seeded ids of ``kind`` (seeing whether the section is written)."""
    keys: Callable[[Scale], int] | None = None
    """How many distinct ids ``key`` holds, when not one per row."""


def _has_tables(*names: str) -> Callable[[Connection], bool]:
    def check(conn: Connection) -> bool:
        inspector = inspect(conn)
        return all(inspector.has_table(name) for name in names)

    return check


SECTIONS: list[Section] = [
    Section("users", lambda _c: t.users, lambda s: len(DEMO_LOGINS) + s.instructors + s.students,
            user_rows, kind="user"),
    Section("courses", lambda _c: t.courses, lambda s: s.courses, lambda s, _pw: course_rows(s),
            kind="course"),
    Section("lessons", lambda _c: t.lessons, lambda s: s.courses * s.lessons_per_course,
            lambda s, _pw: lesson_rows(s), kind="lesson"),
    Section("enrollments", lambda _c: t.enrollments, lambda s: s.enrollments,
            lambda s, _pw: enrollment_rows(s), kind="enrollment"),
    Section("lesson completions", lambda _c: t.lesson_completions, lambda s: s.completions,
            lambda s, _pw: completion_rows(s), kind="completion"),
    Section("quizzes", lambda _c: t.quizzes, lambda s: s.courses * quizzes_per_course(s),
            lambda s, _pw: quiz_rows(s), _has_tables("quizzes"), kind="quiz"),
    Section("questions", lambda _c: t.questions,
            lambda s: s.courses * quizzes_per_course(s) * s.questions_per_quiz,
            lambda s, _pw: question_rows(s), _has_tables("questions"), kind="question"),
    Section("quiz attempts", lambda _c: t.quiz_attempts,
            lambda s: s.attempts if quizzes_per_course(s) and s.questions_per_quiz else 0,
            lambda s, _pw: attempt_rows(s), _has_tables("quiz_attempts"), kind="attempt"),
    Section("attempt questions", lambda _c: t.attempt_questions,
            lambda s: s.attempts * s.questions_per_quiz if quizzes_per_course(s) else 0,
            lambda s, _pw: attempt_question_rows(s), _has_tables("attempt_questions"),
            kind="attempt", key="attempt_id", keys=lambda s: s.attempts),
]  # fmt: skip
