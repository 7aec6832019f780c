"""Certificates in memory (copy in, copy out), with the SQL schema's unique constraints."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from lms_domain.credentials.entities import Certificate
from lms_domain.credentials.ports import CertificateExists, EnrollmentRef, NumberTaken
from lms_domain.shared.pagination import PageRequest

if TYPE_CHECKING:
    from lms_adapters.memory.uow import MemoryState

__all__ = ["MemoryCertificateRepository", "MemoryCertificateSources", "detach_certificates"]


def detach_certificates(state: MemoryState, *, course_id: UUID) -> None:
    """What ``ON DELETE SET NULL`` does in SQL when a course and its enrollments go."""
    for certificate in state.certificates.values():
        if certificate.course_id == course_id:
            certificate.course_id = None
            certificate.enrollment_id = None


class MemoryCertificateRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def _find(self, **match: object) -> Certificate | None:
        for c in self._state.certificates.values():
            if all(getattr(c, k) == v for k, v in match.items()):
                return copy.deepcopy(c)
        return None

    async def get(self, certificate_id: UUID) -> Certificate | None:
        found = self._state.certificates.get(certificate_id)
        return copy.deepcopy(found) if found else None

    async def get_by_enrollment(self, enrollment_id: UUID) -> Certificate | None:
        return self._find(enrollment_id=enrollment_id)

    async def get_by_number(self, certificate_number: str) -> Certificate | None:
        return self._find(certificate_number=certificate_number)

    async def add(self, certificate: Certificate) -> None:
        if certificate.enrollment_id is not None and self._find(enrollment_id=certificate.enrollment_id):
            raise CertificateExists(certificate.enrollment_id)
        if self._find(certificate_number=certificate.certificate_number):
            raise NumberTaken(certificate.certificate_number)
        self._state.certificates[certificate.id] = copy.deepcopy(certificate)

    async def list_for_student(
        self, student_id: UUID, *, page: PageRequest
    ) -> tuple[Sequence[Certificate], int]:
        mine = sorted(
            (c for c in self._state.certificates.values() if c.student_id == student_id),
            key=lambda c: (c.issued_at, c.id),
            reverse=True,
        )
        return [copy.deepcopy(c) for c in mine[page.offset : page.offset + page.page_size]], len(mine)


class MemoryCertificateSources:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def enrollment(self, enrollment_id: UUID) -> EnrollmentRef | None:
        enrollment = self._state.enrollments.get(enrollment_id)
        if enrollment is None:
            return None
        course = self._state.courses[enrollment.course_id]
        student = self._state.users.get(enrollment.student_id)
        return EnrollmentRef(
            id=enrollment.id,
            student_id=enrollment.student_id,
            course_id=course.id,
            course_instructor_id=course.instructor_id,
            completed_at=enrollment.completed_at,
            course_title=course.title,
            student_name=student.full_name if student else "",
            student_email=student.email if student else "",
        )
