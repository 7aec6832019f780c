"""Everything stored about a person, read from the in-memory state (the SQL adapter's rows)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from lms_domain.privacy.ports import Row
from lms_domain.shared.events import json_ready

if TYPE_CHECKING:
    from lms_adapters.memory.uow import MemoryState

__all__ = ["MemoryPersonalData"]


def _row(**fields: object) -> dict[str, object]:
    return {key: json_ready(value) for key, value in fields.items()}


class MemoryPersonalData:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def profile(self, user_id: UUID) -> Row | None:
        u = self._state.users.get(user_id)
        if u is None or u.erased_at is not None:
            return None
        return _row(
            id=u.id,
            email=u.email,
            full_name=u.full_name,
            role=u.role,
            is_active=u.is_active,
            email_verified=u.email_verified,
            mfa_enabled=u.mfa_enabled,
            created_at=u.created_at,
            updated_at=u.updated_at,
            last_login_at=u.last_login_at,
        )

    async def enrollments(self, user_id: UUID) -> Sequence[Row]:
        s = self._state
        mine = sorted(
            (e for e in s.enrollments.values() if e.student_id == user_id),
            key=lambda e: (e.enrolled_at, e.id),
        )
        rows = []
        for e in mine:
            done = sorted(
                (c for c in s.lesson_completions.values() if c.enrollment_id == e.id),
                key=lambda c: (c.completed_at, c.id),
            )
            rows.append(
                {
                    **_row(
                        id=e.id,
                        course_id=e.course_id,
                        course_title=s.courses[e.course_id].title,
                        enrolled_at=e.enrolled_at,
                        completed_at=e.completed_at,
                        total_lessons=sum(1 for v in s.lessons.values() if v.course_id == e.course_id),
                    ),
                    "completed_lesson_ids": [str(c.lesson_id) for c in done],
                }
            )
        return rows

    async def attempts(self, user_id: UUID) -> Sequence[Row]:
        mine = sorted(
            (a for a in self._state.attempts.values() if a.student_id == user_id),
            key=lambda a: (a.started_at, a.id),
        )
        return [
            {
                **_row(
                    id=a.id,
                    quiz_id=a.quiz_id,
                    status=a.status,
                    grading_status=a.grading_status,
                    score=a.score,
                    passed=a.passed,
                    started_at=a.started_at,
                    ended_at=a.ended_at,
                ),
                "answers": [
                    _row(
                        question_id=r.question_id,
                        answer=r.answer,
                        correct=r.correct,
                        points_earned=r.points_earned.numerator
                        if r.points_earned.denominator == 1
                        else f"{r.points_earned.numerator}/{r.points_earned.denominator}",
                        # as the SQL store keeps them: only when set
                        **({"pending": True} if r.pending else {}),
                        **({"feedback": r.feedback} if r.feedback is not None else {}),
                    )
                    for r in a.answers
                ],
            }
            for a in mine
        ]

    async def certificates(self, user_id: UUID) -> Sequence[Row]:
        mine = sorted(
            (c for c in self._state.certificates.values() if c.student_id == user_id),
            key=lambda c: (c.issued_at, c.id),
        )
        return [
            _row(
                id=c.id,
                certificate_number=c.certificate_number,
                course_id=c.course_id,
                course_title=c.course_title,
                student_name=c.student_name,
                issued_at=c.issued_at,
                revoked_at=c.revoked_at,
            )
            for c in mine
        ]

    async def files(self, user_id: UUID) -> Sequence[Row]:
        mine = sorted(
            (f for f in self._state.stored_files.values() if f.owner_id == user_id),
            key=lambda f: (f.uploaded_at, f.id),
        )
        return [
            _row(
                id=f.id,
                filename=f.original_filename,
                content_type=f.content_type,
                size=f.file_size,
                uploaded_at=f.uploaded_at,
            )
            for f in mine
        ]

    async def staff_roles(self, user_id: UUID) -> Sequence[Row]:
        mine = sorted(
            (
                (course_id, role, at)
                for (course_id, uid), (role, at) in self._state.course_staff.items()
                if uid == user_id
            ),
            key=lambda r: (r[2], r[0]),
        )
        return [_row(course_id=c, role=role, added_at=at) for c, role, at in mine]

    async def audit_entries(self, user_id: UUID) -> Sequence[Row]:
        mine = sorted(
            (
                e
                for e in self._state.audit_entries
                if e.actor_id == user_id or (e.target_type == "user" and e.target_id == user_id)
            ),
            key=lambda e: (e.at, e.id),
        )
        return [
            {
                **_row(
                    id=e.id,
                    at=e.at,
                    actor_id=e.actor_id,
                    action=e.action,
                    target_type=e.target_type,
                    target_id=e.target_id,
                    ip=e.ip,
                    request_id=e.request_id,
                ),
                "details": dict(e.details),
            }
            for e in mine
        ]
