"""Bodies of the certificate endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

from lms_domain.credentials.entities import Certificate
from lms_domain.shared.pagination import Page
from lms_http.dto.pages import PageOut, page_fields

__all__ = ["CertificateOut", "CertificatePage", "GenerateCertificateIn", "VerificationOut"]


class GenerateCertificateIn(msgspec.Struct, kw_only=True):
    enrollment_id: UUID


class CertificateOut(msgspec.Struct, kw_only=True):
    id: UUID
    enrollment_id: UUID | None
    student_id: UUID
    course_id: UUID | None
    certificate_number: str
    issued_at: datetime
    course_title: str
    student_name: str

    @classmethod
    def of(cls, certificate: Certificate) -> CertificateOut:
        return cls(
            id=certificate.id,
            enrollment_id=certificate.enrollment_id,
            student_id=certificate.student_id,
            course_id=certificate.course_id,
            certificate_number=certificate.certificate_number,
            issued_at=certificate.issued_at,
            course_title=certificate.course_title,
            student_name=certificate.student_name,
        )


class CertificatePage(PageOut, kw_only=True):
    items: list[CertificateOut]

    @classmethod
    def of(cls, page: Page[Certificate]) -> CertificatePage:
        return cls(
            items=[CertificateOut.of(c) for c in page.items],
            **page_fields(page),
        )


class VerificationOut(msgspec.Struct, kw_only=True):
    valid: Literal[True]
    certificate_number: str
    course_title: str
    student_name: str
    issued_at: datetime

    @classmethod
    def of(cls, certificate: Certificate) -> VerificationOut:
        return cls(
            valid=True,
            certificate_number=certificate.certificate_number,
            course_title=certificate.course_title,
            student_name=certificate.student_name,
            issued_at=certificate.issued_at,
        )
