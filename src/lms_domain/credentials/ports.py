"""What certificates need from the outside world."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from lms_domain.credentials.badges import StatusEntry
from lms_domain.credentials.entities import Certificate
from lms_domain.mail.ports import MailOutbox
from lms_domain.shared.course_access import StaffRole
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.ports import ReadOnlyUnitOfWork, UnitOfWork

__all__ = [
    "CertificateExists",
    "CertificateReader",
    "CertificateRenderer",
    "CertificateRepository",
    "CertificateSources",
    "CertificateView",
    "CredentialSigner",
    "CredentialsReader",
    "CredentialsUnitOfWork",
    "EnrollmentRef",
    "NumberTaken",
    "RandomSource",
    "StatusIndexTaken",
    "StatusListState",
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


class StatusIndexTaken(Exception):
    """Raised by ``CertificateRepository.add`` and ``attach_credential``: another certificate holds
    that place of the status list (a unique constraint decides)."""


class CredentialSigner(Protocol):
    """Signs credentials as VC-JWTs with the issuer's key, which never leaves the adapter."""

    @property
    def did(self) -> str:
        """The issuer's DID (``did:key`` of the public key)."""
        ...

    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK (public members only)."""
        ...

    def sign(self, claims: Mapping[str, object]) -> str:
        """A compact JWS of ``claims``: header exactly ``alg`` EdDSA, ``kid`` ``<did>#<fragment>``,
        ``typ`` JWT."""
        ...


@dataclass(frozen=True, slots=True)
class StatusListState:
    """What one revocation list says: the revoked indexes, and when it last changed (the latest
    revocation, else its first certificate's issue time)."""

    revoked: Sequence[int]
    changed_at: datetime


class CertificateReader(Protocol):
    async def get(self, certificate_id: UUID) -> Certificate | None: ...
    async def get_by_enrollment(self, enrollment_id: UUID) -> Certificate | None: ...
    async def get_by_number(self, certificate_number: str) -> Certificate | None: ...
    async def list_for_student(
        self, student_id: UUID, *, page: PageRequest
    ) -> tuple[Sequence[Certificate], int]:
        """Newest first."""
        ...

    async def last_status_list(self) -> int:
        """The highest status list in use (1 when none is)."""
        ...

    async def status_list(self, list_number: int) -> StatusListState | None:
        """The list's revoked indexes; None when no certificate is in that list."""
        ...


class CertificateRepository(CertificateReader, Protocol):
    async def add(self, certificate: Certificate) -> None:
        """Insert; raises ``CertificateExists``, ``NumberTaken`` or ``StatusIndexTaken`` (unique
        constraints decide)."""
        ...

    async def attach_credential(self, certificate_id: UUID, status: StatusEntry, credential: str) -> bool:
        """Give a certificate issued without one its credential; False when it has one already.
        Raises ``StatusIndexTaken``."""
        ...

    async def revoke(self, certificate_id: UUID, *, at: datetime, reason: str) -> bool:
        """Mark it revoked; False when it was already (a conditional update: one of racing calls wins)."""
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
    course_staff: tuple[tuple[UUID, StaffRole], ...] = ()


class CertificateSources(Protocol):
    """A narrow read of learning, catalog and identity."""

    async def enrollment(self, enrollment_id: UUID) -> EnrollmentRef | None: ...
    async def student_email(self, student_id: UUID) -> str | None: ...


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
