"""Personal data export on the in-memory adapters: every part, its shape, and who may ask."""

from __future__ import annotations

import dataclasses
import uuid
from fractions import Fraction

import pytest

from lms_domain.assessment.entities import GradingStatus
from lms_domain.privacy.use_cases import ExportPersonalData
from lms_domain.shared.audit import AuditAction
from lms_domain.shared.errors import Forbidden, NotFound
from tests.unit.test_permission_matrix import Who, world


async def test_an_export_gathers_every_part_and_is_recorded() -> None:
    w = await world(published=True)
    student, admin = w.people[Who.ENROLLED], w.people[Who.ADMIN]
    export = ExportPersonalData(w.uow(), w.clock)
    data = await export(actor=student, user_id=student.user_id)
    assert data.profile["id"] == str(student.user_id)
    assert not {"password_hash", "mfa_secret"} & set(data.profile)
    [enrolled] = data.enrollments
    assert (enrolled["id"], enrolled["progress_percentage"]) == (str(w.enrollment_id), 100)
    assert enrolled["completed_lesson_ids"] == [str(w.lesson_id)] and "total_lessons" not in enrolled
    [attempt] = data.attempts
    assert (attempt["id"], attempt["score"], attempt["status"]) == (str(w.attempt_id), 100.0, "submitted")
    assert [a["answer"] for a in attempt["answers"]] == ["4", "4"]  # type: ignore[attr-defined]
    assert (list(data.certificates), list(data.files), list(data.staff_roles)) == ([], [], [])
    ta = w.people[Who.TEACHING_ASSISTANT]
    assistant = await export(actor=admin, user_id=ta.user_id)
    assert [(r["course_id"], r["role"]) for r in assistant.staff_roles] == [
        (str(w.course_id), "teaching_assistant")
    ]
    exported = [e for e in w.state.audit_entries if e.action is AuditAction.DATA_EXPORTED]
    assert [(e.actor_id, e.target_id) for e in exported] == [
        (student.user_id, student.user_id),
        (admin.user_id, ta.user_id),
    ]


async def test_only_admins_export_others_and_unknown_users_are_404() -> None:
    w = await world(published=True)
    export = ExportPersonalData(w.uow(), w.clock)
    with pytest.raises(Forbidden):
        await export(actor=w.people[Who.OWNER], user_id=w.people[Who.ENROLLED].user_id)
    with pytest.raises(NotFound):
        await export(actor=w.people[Who.ADMIN], user_id=uuid.uuid4())


async def test_partial_points_are_exported_as_the_attempt_shows_them() -> None:
    w = await world(published=True)
    student = w.people[Who.ENROLLED]
    assert w.attempt_id is not None
    attempt = w.state.attempts[w.attempt_id]
    first, second = attempt.answers
    attempt.answers = [
        dataclasses.replace(first, points_earned=Fraction(7, 3), correct=False),
        dataclasses.replace(second, points_earned=Fraction(2)),
    ]
    data = await ExportPersonalData(w.uow(), w.clock)(actor=student, user_id=student.user_id)
    [exported] = data.attempts
    answers = exported["answers"]
    assert isinstance(answers, list)
    assert [a["points_earned"] for a in answers] == [2.33, 2.0]


async def test_an_attempts_grading_status_and_a_graders_feedback_are_exported() -> None:
    w = await world(published=True)
    student = w.people[Who.ENROLLED]
    assert w.attempt_id is not None
    attempt = w.state.attempts[w.attempt_id]
    first, second = attempt.answers
    attempt.answers = [
        dataclasses.replace(first, feedback="Well argued."),
        dataclasses.replace(second, pending=True),
    ]
    attempt.grading_status, attempt.score, attempt.passed = GradingStatus.PENDING_REVIEW, None, None
    data = await ExportPersonalData(w.uow(), w.clock)(actor=student, user_id=student.user_id)
    [exported] = data.attempts
    assert (exported["grading_status"], exported["score"]) == ("pending_review", None)
    answers = exported["answers"]
    assert isinstance(answers, list)
    assert [(a.get("feedback"), a.get("pending", False)) for a in answers] == [
        ("Well argued.", False),
        (None, True),
    ]
