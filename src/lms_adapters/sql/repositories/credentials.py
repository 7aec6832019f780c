"""Certificates in SQL; the unique constraints on enrollment and number settle races."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.sql.repositories.catalog import is_unique_violation
from lms_adapters.sql.tables import certificates, course_staff, courses, enrollments, users
from lms_domain.credentials.badges import StatusEntry
from lms_domain.credentials.entities import Certificate
from lms_domain.credentials.ports import (
    CertificateExists,
    EnrollmentRef,
    NumberTaken,
    StatusIndexTaken,
    StatusListState,
)
from lms_domain.shared.course_access import StaffRole
from lms_domain.shared.pagination import PageRequest

__all__ = ["SqlCertificateRepository", "SqlCertificateSources"]


def _certificate_row(certificate: Certificate) -> dict[str, Any]:
    return {
        "id": certificate.id,
        "enrollment_id": certificate.enrollment_id,
        "student_id": certificate.student_id,
        "course_id": certificate.course_id,
        "certificate_number": certificate.certificate_number,
        "course_title": certificate.course_title,
        "student_name": certificate.student_name,
        "issued_at": certificate.issued_at,
        "pdf_key": certificate.pdf_key,
        "credential": certificate.credential,
        "status_list": certificate.status.list_number if certificate.status else None,
        "status_index": certificate.status.index if certificate.status else None,
        "revoked_at": certificate.revoked_at,
        "revocation_reason": certificate.revocation_reason,
    }


def _certificate(row: Any) -> Certificate:
    return Certificate(
        id=row.id,
        enrollment_id=row.enrollment_id,
        student_id=row.student_id,
        course_id=row.course_id,
        certificate_number=row.certificate_number,
        course_title=row.course_title,
        student_name=row.student_name,
        issued_at=row.issued_at,
        pdf_key=row.pdf_key,
        credential=row.credential,
        status=StatusEntry(row.status_list, row.status_index) if row.status_list is not None else None,
        revoked_at=row.revoked_at,
        revocation_reason=row.revocation_reason,
    )


def _violated_column(error: IntegrityError) -> str:
    """Which unique column failed: SQLite names it (``certificates.enrollment_id``), PostgreSQL
    names the constraint (``uq_certificates_enrollment_id``) and the key."""
    orig = error.orig
    diag = getattr(orig, "diag", None)
    text = f"{getattr(diag, 'constraint_name', '') or ''} {orig}"
    for column in ("enrollment_id", "status_index"):
        if column in text:
            return column
    return "certificate_number"


def _refused(error: IntegrityError, certificate_id: UUID, number: str) -> Exception:
    """The domain's exception for a unique constraint's refusal."""
    column = _violated_column(error)
    if column == "status_index":
        return StatusIndexTaken(certificate_id)
    if column == "enrollment_id":
        return CertificateExists(certificate_id)
    return NumberTaken(number)


class SqlCertificateRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def _one(self, *where: Any) -> Certificate | None:
        row = (await self._connection.execute(select(certificates).where(*where))).first()
        return _certificate(row) if row else None

    async def get(self, certificate_id: UUID) -> Certificate | None:
        return await self._one(certificates.c.id == certificate_id)

    async def get_by_enrollment(self, enrollment_id: UUID) -> Certificate | None:
        return await self._one(certificates.c.enrollment_id == enrollment_id)

    async def get_by_number(self, certificate_number: str) -> Certificate | None:
        return await self._one(certificates.c.certificate_number == certificate_number)

    async def add(self, certificate: Certificate) -> None:
        try:
            async with self._connection.begin_nested():  # a SAVEPOINT: the transaction survives a duplicate
                await self._connection.execute(insert(certificates).values(**_certificate_row(certificate)))
        except IntegrityError as e:
            if not is_unique_violation(e):
                raise
            raise _refused(e, certificate.id, certificate.certificate_number) from e

    async def attach_credential(self, certificate_id: UUID, status: StatusEntry, credential: str) -> bool:
        statement = (
            update(certificates)
            .where(certificates.c.id == certificate_id, certificates.c.credential.is_(None))
            .values(credential=credential, status_list=status.list_number, status_index=status.index)
        )
        try:
            async with self._connection.begin_nested():
                result = await self._connection.execute(statement)
        except IntegrityError as e:
            if not is_unique_violation(e):
                raise
            raise StatusIndexTaken(certificate_id) from e
        return bool(result.rowcount)

    async def revoke(self, certificate_id: UUID, *, at: datetime, reason: str) -> bool:
        result = await self._connection.execute(
            update(certificates)
            .where(certificates.c.id == certificate_id, certificates.c.revoked_at.is_(None))
            .values(revoked_at=at, revocation_reason=reason)
        )
        return bool(result.rowcount)

    async def last_status_list(self) -> int:
        newest = (await self._connection.execute(select(func.max(certificates.c.status_list)))).scalar()
        return newest or 1

    async def status_list(self, list_number: int) -> StatusListState | None:
        """The revoked places (the partial index), else the list's first place: one statement
        for a list with revocations, two for one without."""
        in_list = certificates.c.status_list == list_number
        revoked = (
            await self._connection.execute(
                select(certificates.c.status_index, certificates.c.revoked_at).where(
                    in_list, certificates.c.revoked_at.is_not(None)
                )
            )
        ).all()
        if revoked:
            return StatusListState(
                revoked=sorted(r.status_index for r in revoked), changed_at=max(r.revoked_at for r in revoked)
            )
        first = (
            await self._connection.execute(
                select(certificates.c.issued_at).where(in_list).order_by(certificates.c.status_index).limit(1)
            )
        ).scalar()
        return StatusListState(revoked=[], changed_at=first) if first is not None else None

    async def list_for_student(
        self, student_id: UUID, *, page: PageRequest
    ) -> tuple[Sequence[Certificate], int]:
        mine = certificates.c.student_id == student_id
        total = (
            await self._connection.execute(select(func.count()).select_from(certificates).where(mine))
        ).scalar_one()
        rows = await self._connection.execute(
            select(certificates)
            .where(mine)
            .order_by(certificates.c.issued_at.desc(), certificates.c.id.desc())
            .limit(page.page_size)
            .offset(page.offset)
        )
        return [_certificate(r) for r in rows], total


class SqlCertificateSources:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def enrollment(self, enrollment_id: UUID) -> EnrollmentRef | None:
        """One statement: the enrollment with its course, student and the course's staff (a row
        per staff member)."""
        rows = (
            await self._connection.execute(
                select(
                    enrollments.c.id,
                    enrollments.c.student_id,
                    enrollments.c.course_id,
                    enrollments.c.completed_at,
                    courses.c.instructor_id,
                    courses.c.title,
                    users.c.full_name,
                    users.c.email,
                    course_staff.c.user_id.label("staff_id"),
                    course_staff.c.role.label("staff_role"),
                )
                .join_from(enrollments, courses, courses.c.id == enrollments.c.course_id)
                .join(users, users.c.id == enrollments.c.student_id)
                .outerjoin(course_staff, course_staff.c.course_id == courses.c.id)
                # an erased student's enrollment stays for the statistics, but issues nothing
                .where(enrollments.c.id == enrollment_id, users.c.erased_at.is_(None))
            )
        ).all()
        if not rows:
            return None
        row = rows[0]
        return EnrollmentRef(
            id=row.id,
            student_id=row.student_id,
            course_id=row.course_id,
            course_instructor_id=row.instructor_id,
            completed_at=row.completed_at,
            course_title=row.title,
            student_name=row.full_name,
            student_email=row.email,
            course_staff=tuple((r.staff_id, StaffRole(r.staff_role)) for r in rows if r.staff_id is not None),
        )

    async def student_email(self, student_id: UUID) -> str | None:
        return (
            await self._connection.execute(
                select(users.c.email).where(users.c.id == student_id, users.c.erased_at.is_(None))
            )
        ).scalar()
