"""The gradebook's CSV cells: empty for null, times as in JSON, formulas defused, csv quoting."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from lms_adapters.memory.uow import MemoryState, MemoryUnitOfWork
from lms_domain.assessment.use_cases import ExportGradebook
from lms_domain.shared.actors import Actor, Role
from lms_http.dto.gradebook import CSV_COLUMNS, csv_cell, gradebook_csv
from tests.contract.gradebook_data import build_class


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+33 1 23", "'+33 1 23"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Ann = Bob", "Ann = Bob"),  # only a leading sign is a formula
        ("", ""),
        (None, ""),
        (90.5, "90.5"),
        (0.0, "0.0"),
        (100, "100"),
        (datetime(2026, 3, 1, 12, 0, tzinfo=UTC), "2026-03-01T12:00:00Z"),
    ],
)
def test_a_cell(value: object, cell: str) -> None:
    assert csv_cell(value) == cell


async def test_the_file_is_one_chunk_for_the_header_and_one_per_batch() -> None:
    state = MemoryState()
    d = await build_class(lambda: MemoryUnitOfWork(state))
    state.users[d.ann2.id].full_name = 'Ann, "the =second"'
    state.users[d.cy.id].full_name = '=HYPERLINK("http://x")'  # "=" sorts before "A"
    owner = Actor(user_id=d.owner.id, role=Role.INSTRUCTOR)
    export = await ExportGradebook(MemoryUnitOfWork(state))(actor=owner, course_id=d.course.id, batch_size=2)
    chunks = [c async for c in gradebook_csv(export)]
    assert len(chunks) == 4  # the header, then batches of 2, 2 and 1
    text = b"".join(chunks).decode()
    assert text.startswith(
        "student_id,full_name,email,progress_percentage,completed_at,Quiz one,'=SUM(A1:A2)\r\n"
    )
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[0] == [*CSV_COLUMNS, "Quiz one", "'=SUM(A1:A2)"]
    by_id = {row[0]: row[1:] for row in parsed[1:]}
    assert [row[0] for row in parsed[1:]] == [str(u.id) for u in (d.erased, d.cy, d.ann1, d.ann2, d.bob)]
    assert by_id[str(d.cy.id)] == ['\'=HYPERLINK("http://x")', d.cy.email, "0", "", "", "70.0"]
    assert by_id[str(d.ann1.id)] == ["Ann", d.ann1.email, "100", "2026-03-01T12:00:00Z", "90.5", "0.0"]
    assert by_id[str(d.ann2.id)] == ['Ann, "the =second"', d.ann2.email, "0", "", "", ""]
    assert by_id[str(d.erased.id)] == ["", f"erased:{d.erased.id}", "0", "", "", ""]
