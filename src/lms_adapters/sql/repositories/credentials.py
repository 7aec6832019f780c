"""Certificates in SQL; the unique constraints on enrollment and number settle races."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.sql.repositories.catalog import is_unique_violation
from lms_adapters.sql.tables import certificates, courses, enrollments, users
from lms_domain.credentials.entities import Certificate
from lms_domain.credentials.ports import CertificateExists, EnrollmentRef, NumberTaken
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
    )


def _violated_column(error: IntegrityError) -> str:
    """Which unique column failed: SQLite names it (``certificates.enrollment_id``), PostgreSQL
    names the constraint (``uq_certificates_enrollment_id``) and the key."""
    orig = error.orig
    diag = getattr(orig, "diag", None)
    text = f"{getattr(diag, 'constraint_name', '') or ''} {orig}"
    return "enrollment_id" if "enrollment_id" in text else "certificate_number"


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
            if _violated_column(e) == "enrollment_id":
                raise CertificateExists(certificate.enrollment_id) from e
            raise NumberTaken(certificate.certificate_number) from e

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
        """One statement: the enrollment with its course and student."""
        row = (
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
                )
                .join_from(enrollments, courses, courses.c.id == enrollments.c.course_id)
                .join(users, users.c.id == enrollments.c.student_id)
                .where(enrollments.c.id == enrollment_id)
            )
        ).first()
        if row is None:
            return None
        return EnrollmentRef(
            id=row.id,
            student_id=row.student_id,
            course_id=row.course_id,
            course_instructor_id=row.instructor_id,
            completed_at=row.completed_at,
            course_title=row.title,
            student_name=row.full_name,
            student_email=row.email,
        )
