"""Bodies of the gradebook: a JSON page of students, or every student as CSV.

The CSV file is written by Python's ``csv`` module (RFC 4180 quoting, ``\\r\\n`` line ends,
UTF-8 without a byte order mark), a batch of students at a time. Spreadsheets run a cell that
starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) as a formula,
so such a cell, whatever column it is in, gets a leading ``'`` and is shown as text: a student
named ``=HYPERLINK(...)`` cannot make a teacher's spreadsheet fetch or run anything.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime
from uuid import UUID

import msgspec

from lms_domain.assessment.gradebook import GradebookQuiz, GradebookRow
from lms_domain.assessment.use_cases.gradebook import Gradebook, GradebookExport
from lms_http.dto.pages import PageOut, page_fields

__all__ = [
    "CSV_COLUMNS",
    "GradebookPage",
    "GradebookRowOut",
    "QuizGradeOut",
    "csv_cell",
    "gradebook_csv",
]

CSV_COLUMNS = ("student_id", "full_name", "email", "progress_percentage", "completed_at")
"""The CSV file's first columns; one column per published quiz follows, headed by its title."""

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class QuizGradeOut(msgspec.Struct, kw_only=True):
    quiz_id: UUID
    best_score: float | None
    attempts: int
    passed: bool


class GradebookRowOut(msgspec.Struct, kw_only=True):
    student_id: UUID
    full_name: str
    email: str
    progress_percentage: int
    completed_at: datetime | None
    quizzes: list[QuizGradeOut]

    @classmethod
    def of(cls, row: GradebookRow) -> GradebookRowOut:
        return msgspec.convert(row, cls, from_attributes=True)


class GradebookPage(PageOut, kw_only=True):
    """One row per enrolled student (by `full_name`, then `student_id`); `quizzes` holds one
    entry per published quiz of the course, oldest first."""

    items: list[GradebookRowOut]

    @classmethod
    def of(cls, gradebook: Gradebook) -> GradebookPage:
        return cls(items=[GradebookRowOut.of(r) for r in gradebook.rows.items], **page_fields(gradebook.rows))


def csv_cell(value: object) -> str:
    """A cell's text: empty for None, ISO 8601 for times (as in JSON), and a leading ``'`` before
    text a spreadsheet would take for a formula."""
    if value is None:
        return ""
    text = str(msgspec.to_builtins(value)) if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _lines(rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return out.getvalue().encode()


def _header(quizzes: Sequence[GradebookQuiz]) -> list[object]:
    return [*CSV_COLUMNS, *(q.title for q in quizzes)]


def _record(row: GradebookRow) -> list[object]:
    return [
        row.student_id,
        row.full_name,
        row.email,
        row.progress_percentage,
        row.completed_at,
        *(q.best_score for q in row.quizzes),
    ]


async def gradebook_csv(export: GradebookExport) -> AsyncIterator[bytes]:
    """The header, then one chunk per batch of students read from the database."""
    yield _lines([_header(export.quizzes)])
    async for batch in export.batches():
        yield _lines(_record(row) for row in batch)
