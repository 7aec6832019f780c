"""What certificates need from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from lms_domain.credentials.entities import Certificate
from lms_domain.mail.ports import MailOutbox
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.ports import ReadOnlyUnitOfWork, UnitOfWork

__all__ = [
    "CertificateExists",
    "CertificateReader",
    "CertificateRenderer",
    "CertificateRepository",
    "CertificateSources",
    "CertificateView",
    "CredentialsReader",
    "CredentialsUnitOfWork",
    "EnrollmentRef",
    "NumberTaken",
    "RandomSource",
]


@dataclass(frozen=True, slots=True)
class CertificateView:
    """Everything a printed certificate shows."""

    student_name: str
    course_title: str
    certificate_number: str
    issued_at: datetime
    verification_url: str


class CertificateRenderer(Protocol):
    async def render(self, view: CertificateView) -> bytes:
        """A PDF document (its bytes). Implementations keep the work off the event loop."""
        ...


class RandomSource(Protocol):
    def randbelow(self, n: int) -> int:
        """A uniformly random integer in ``[0, n)``."""
        ...


class CertificateExists(Exception):
    """Raised by ``CertificateRepository.add``: the enrollment has a certificate already."""


class NumberTaken(Exception):
    """Raised by ``CertificateRepository.add``: the certificate number is in use already."""


class CertificateReader(Protocol):
    async def get(self, certificate_id: UUID) -> Certificate | None: ...
    async def get_by_enrollment(self, enrollment_id: UUID) -> Certificate | None: ...
    async def get_by_number(self, certificate_number: str) -> Certificate | None: ...
    async def list_for_student(
        self, student_id: UUID, *, page: PageRequest
    ) -> tuple[Sequence[Certificate], int]:
        """Newest first."""
        ...


class CertificateRepository(CertificateReader, Protocol):
    async def add(self, certificate: Certificate) -> None:
        """Insert; raises ``CertificateExists`` or ``NumberTaken`` (unique constraints decide)."""
        ...


@dataclass(frozen=True, slots=True)
class EnrollmentRef:
    """An enrollment as certificates see it, with the names printed on the certificate."""

    id: UUID
    student_id: UUID
    course_id: UUID
    course_instructor_id: UUID
    completed_at: datetime | None
    course_title: str
    student_name: str
    student_email: str = ""


class CertificateSources(Protocol):
    """A narrow read of learning, catalog and identity."""

    async def enrollment(self, enrollment_id: UUID) -> EnrollmentRef | None: ...


class CredentialsReader(ReadOnlyUnitOfWork, Protocol):
    @property
    def certificates(self) -> CertificateReader: ...
    @property
    def certificate_sources(self) -> CertificateSources: ...


class CredentialsUnitOfWork(CredentialsReader, UnitOfWork, Protocol):
    @property
    def certificates(self) -> CertificateRepository: ...
    @property
    def mail(self) -> MailOutbox: ...
