"""Everything stored about a person, read for an export: one statement per part."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.sql.tables import (
    audit_log,
    certificates,
    course_staff,
    courses,
    enrollments,
    lesson_completions,
    lessons,
    quiz_attempts,
    stored_files,
    users,
)
from lms_domain.privacy.ports import Row
from lms_domain.shared.events import json_ready

__all__ = ["SqlPersonalData"]


def _row(row: Any, *, rename: dict[str, str] | None = None) -> dict[str, object]:
    names = rename or {}
    return {names.get(key, key): json_ready(value) for key, value in row._mapping.items()}


class SqlPersonalData:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def _rows(self, statement: Any, **rename: str) -> list[dict[str, object]]:
        return [_row(r, rename=rename) for r in await self._connection.execute(statement)]

    async def profile(self, user_id: UUID) -> Row | None:
        u = users.c
        found = await self._rows(
            select(
                u.id,
                u.email,
                u.full_name,
                u.role,
                u.is_active,
                u.email_verified,
                u.mfa_enabled,
                u.created_at,
                u.updated_at,
                u.last_login_at,
            ).where(u.id == user_id, u.erased_at.is_(None))
        )
        return found[0] if found else None

    async def enrollments(self, user_id: UUID) -> Sequence[Row]:
        e = enrollments.c
        total = select(func.count()).select_from(lessons).where(lessons.c.course_id == e.course_id)
        rows = await self._rows(
            select(
                e.id,
                e.course_id,
                courses.c.title.label("course_title"),
                e.enrolled_at,
                e.completed_at,
                total.scalar_subquery().label("total_lessons"),
            )
            .join_from(enrollments, courses, courses.c.id == e.course_id)
            .where(e.student_id == user_id)
            .order_by(e.enrolled_at, e.id)
        )
        done: dict[str, list[str]] = {str(r["id"]): [] for r in rows}
        completions = await self._connection.execute(
            select(lesson_completions.c.enrollment_id, lesson_completions.c.lesson_id)
            .join_from(
                lesson_completions, enrollments, enrollments.c.id == lesson_completions.c.enrollment_id
            )
            .where(enrollments.c.student_id == user_id)
            .order_by(lesson_completions.c.completed_at, lesson_completions.c.id)
        )
        for c in completions:
            done[str(c.enrollment_id)].append(str(c.lesson_id))
        return [{**r, "completed_lesson_ids": done[str(r["id"])]} for r in rows]

    async def attempts(self, user_id: UUID) -> Sequence[Row]:
        a = quiz_attempts.c
        return await self._rows(
            select(
                a.id,
                a.quiz_id,
                a.status,
                a.grading_status,
                a.score,
                a.passed,
                a.started_at,
                a.ended_at,
                a.answers,
            )
            .where(a.student_id == user_id)
            .order_by(a.started_at, a.id)
        )

    async def certificates(self, user_id: UUID) -> Sequence[Row]:
        c = certificates.c
        return await self._rows(
            select(
                c.id,
                c.certificate_number,
                c.course_id,
                c.course_title,
                c.student_name,
                c.issued_at,
                c.revoked_at,
            )
            .where(c.student_id == user_id)
            .order_by(c.issued_at, c.id)
        )

    async def files(self, user_id: UUID) -> Sequence[Row]:
        f = stored_files.c
        return await self._rows(
            select(f.id, f.original_filename, f.content_type, f.file_size, f.uploaded_at)
            .where(f.owner_id == user_id)
            .order_by(f.uploaded_at, f.id),
            original_filename="filename",
            file_size="size",
        )

    async def staff_roles(self, user_id: UUID) -> Sequence[Row]:
        s = course_staff.c
        return await self._rows(
            select(s.course_id, s.role, s.added_at)
            .where(s.user_id == user_id)
            .order_by(s.added_at, s.course_id)
        )

    async def audit_entries(self, user_id: UUID) -> Sequence[Row]:
        a = audit_log.c
        return await self._rows(
            select(
                a.id, a.at, a.actor_id, a.action, a.target_type, a.target_id, a.ip, a.request_id, a.details
            )
            .where(or_(a.actor_id == user_id, (a.target_type == "user") & (a.target_id == user_id)))
            .order_by(a.at, a.id)
        )
