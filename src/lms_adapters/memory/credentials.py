"""Certificates in memory (copy in, copy out), with the SQL schema's unique constraints."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from lms_domain.credentials.badges import StatusEntry
from lms_domain.credentials.entities import Certificate
from lms_domain.credentials.ports import (
    CertificateExists,
    EnrollmentRef,
    NumberTaken,
    StatusIndexTaken,
    StatusListState,
)
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
        if certificate.status is not None and self._find(status=certificate.status):
            raise StatusIndexTaken(certificate.id)
        self._state.certificates[certificate.id] = copy.deepcopy(certificate)

    async def attach_credential(self, certificate_id: UUID, status: StatusEntry, credential: str) -> bool:
        certificate = self._state.certificates.get(certificate_id)
        if certificate is None or certificate.credential is not None:
            return False
        if self._find(status=status):
            raise StatusIndexTaken(certificate_id)
        certificate.status, certificate.credential = status, credential
        return True

    async def revoke(self, certificate_id: UUID, *, at: datetime, reason: str) -> bool:
        certificate = self._state.certificates.get(certificate_id)
        if certificate is None or certificate.revoked_at is not None:
            return False
        certificate.revoked_at, certificate.revocation_reason = at, reason
        return True

    async def last_status_list(self) -> int:
        lists = [c.status.list_number for c in self._state.certificates.values() if c.status]
        return max(lists, default=1)

    async def status_list(self, list_number: int) -> StatusListState | None:
        members = [
            (c.status.index, c)
            for c in self._state.certificates.values()
            if c.status and c.status.list_number == list_number
        ]
        if not members:
            return None
        revoked = [(i, c.revoked_at) for i, c in members if c.revoked_at is not None]
        if revoked:
            return StatusListState(
                revoked=sorted(i for i, _ in revoked), changed_at=max(at for _, at in revoked)
            )
        return StatusListState(revoked=[], changed_at=min(members, key=lambda m: m[0])[1].issued_at)

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
        if student is not None and student.erased_at is not None:
            return None  # an erased student's enrollment stays for the statistics, issues nothing
        return EnrollmentRef(
            id=enrollment.id,
            student_id=enrollment.student_id,
            course_id=course.id,
            course_instructor_id=course.instructor_id,
            completed_at=enrollment.completed_at,
            course_title=course.title,
            student_name=student.full_name if student else "",
            student_email=student.email if student else "",
            course_staff=tuple(
                (user_id, role)
                for (c, user_id), (role, _) in self._state.course_staff.items()
                if c == course.id
            ),
        )

    async def student_email(self, student_id: UUID) -> str | None:
        student = self._state.users.get(student_id)
        return student.email if student and student.erased_at is None else None
