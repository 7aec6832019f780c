"""An issued certificate of completion, and its number rule."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms_domain.credentials.badges import StatusEntry
from lms_domain.shared.actors import Actor

__all__ = ["NUMBER_DIGITS", "Certificate", "format_number", "is_certificate_number"]

NUMBER_DIGITS = 6
_NUMBER = re.compile(r"CERT-\d{4}-\d{6}")


def format_number(year: int, serial: int) -> str:
    """``CERT-<year>-<6 digits>``: ``format_number(2026, 1234) == "CERT-2026-001234"``."""
    if not 0 <= serial < 10**NUMBER_DIGITS or not 1000 <= year <= 9999:
        raise ValueError("year must have 4 digits and serial at most 6")
    return f"CERT-{year:04d}-{serial:06d}"


def is_certificate_number(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None


@dataclass(kw_only=True)
class Certificate:
    """What was certified, fixed at issue time.

    ``enrollment_id`` and ``course_id`` become None when the course (and with it the
    enrollment) is deleted; the certificate, its number and its PDF stay.
    """

    id: UUID
    enrollment_id: UUID | None
    student_id: UUID
    course_id: UUID | None
    certificate_number: str
    course_title: str
    student_name: str | None
    """None once the student's account is erased."""
    issued_at: datetime
    pdf_key: str | None
    """None once the PDF is deleted with the student's erased account."""
    credential: str | None = None
    """Its Open Badges credential as a VC-JWT, signed at issue time (None for certificates issued
    before credentials existed, until first asked for)."""
    status: StatusEntry | None = None
    revoked_at: datetime | None = None
    revocation_reason: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def visible_to(self, actor: Actor) -> bool:
        """Its student and admins see a certificate."""
        return actor.is_admin or actor.user_id == self.student_id

    @property
    def pdf_filename(self) -> str:
        return f"certificate-{self.certificate_number}.pdf"
