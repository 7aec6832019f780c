"""Certificates: issue one for a completed enrollment, read it, download its PDF, verify it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from lms_domain.credentials.entities import (
    NUMBER_DIGITS,
    Certificate,
    format_number,
    is_certificate_number,
)
from lms_domain.credentials.ports import (
    CertificateExists,
    CertificateRenderer,
    CertificateView,
    CredentialsReader,
    CredentialsUnitOfWork,
    EnrollmentRef,
    NumberTaken,
    RandomSource,
)
from lms_domain.files.ports import BlobStorage
from lms_domain.mail.templates import certificate_issued
from lms_domain.shared.actors import Actor
from lms_domain.shared.errors import Forbidden, InvalidRequest, NotFound, Unavailable
from lms_domain.shared.events import Event, EventType
from lms_domain.shared.pagination import Page, PageRequest
from lms_domain.shared.ports import Clock, IdGenerator

__all__ = [
    "PDF_CONTENT_TYPE",
    "CertificateDownloadUrl",
    "CertificateNumbers",
    "CertificatePdfs",
    "CertificatePolicy",
    "GenerateCertificate",
    "GetCertificate",
    "Issued",
    "MyCertificates",
    "VerifyCertificate",
]

PDF_CONTENT_TYPE = "application/pdf"
CERTIFICATE_NOT_FOUND = "Certificate not found"
ENROLLMENT_NOT_FOUND = "Enrollment not found"


@dataclass(frozen=True, slots=True)
class CertificatePolicy:
    verification_base: str = "http://127.0.0.1:8000/verify"
    """Where a certificate is verified, its number following: the outer layer knows the address."""
    download_expiry: timedelta = timedelta(minutes=5)
    number_attempts: int = 20
    max_pdf_bytes: int = 20 * 1024 * 1024

    def verification_url(self, certificate_number: str) -> str:
        return f"{self.verification_base.rstrip('/')}/{certificate_number}"


@dataclass(frozen=True, slots=True)
class Issued:
    certificate: Certificate
    created: bool


def _check_issuer(ref: EnrollmentRef | None, actor: Actor) -> EnrollmentRef:
    """Only the enrollment's student; those who may see the enrollment get 403, others 404."""
    if ref is None:
        raise NotFound(ENROLLMENT_NOT_FOUND)
    if ref.student_id != actor.user_id:
        if actor.owns_or_admin(ref.course_instructor_id):
            raise Forbidden("Only the enrolled student can generate the certificate")
        raise NotFound(ENROLLMENT_NOT_FOUND)
    return ref


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


class CertificateNumbers:
    """Draws certificate numbers of a year: ``number_attempts`` random ones per certificate."""

    def __init__(self, random: RandomSource, policy: CertificatePolicy) -> None:
        self._random, self._policy = random, policy

    def draws(self, year: int) -> Iterator[str]:
        for _ in range(self._policy.number_attempts):
            yield format_number(year, self._random.randbelow(10**NUMBER_DIGITS))


class CertificatePdfs:
    """Prints a certificate's PDF into the blob store, and takes it out again."""

    def __init__(self, renderer: CertificateRenderer, blobs: BlobStorage, policy: CertificatePolicy) -> None:
        self._renderer, self._blobs, self._policy = renderer, blobs, policy

    def verification_url(self, certificate_number: str) -> str:
        return self._policy.verification_url(certificate_number)

    async def store(self, certificate: Certificate) -> None:
        pdf = await self._renderer.render(
            CertificateView(
                student_name=certificate.student_name,
                course_title=certificate.course_title,
                certificate_number=certificate.certificate_number,
                issued_at=certificate.issued_at,
                verification_url=self.verification_url(certificate.certificate_number),
            )
        )
        await self._blobs.put(
            certificate.pdf_key,
            _once(pdf),
            content_type=PDF_CONTENT_TYPE,
            max_bytes=self._policy.max_pdf_bytes,
        )

    async def discard(self, certificate: Certificate) -> None:
        await self._blobs.delete(certificate.pdf_key)


class GenerateCertificate:
    """Issue the certificate of a completed enrollment, once.

    The PDF is rendered and stored before the row is inserted, with no unit of work
    open meanwhile. The unique constraint on the enrollment decides between concurrent
    calls: the loser deletes its PDF and answers with the winner's certificate. A number
    taken in the meantime (the other unique constraint) means another number and PDF.
    """

    def __init__(
        self,
        uow: CredentialsUnitOfWork,
        pdfs: CertificatePdfs,
        numbers: CertificateNumbers,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow, self._pdfs, self._numbers, self._clock, self._ids = uow, pdfs, numbers, clock, ids

    async def __call__(self, *, actor: Actor, enrollment_id: UUID) -> Issued:
        async with self._uow as uow:
            ref = _check_issuer(await uow.certificate_sources.enrollment(enrollment_id), actor)
            existing = await uow.certificates.get_by_enrollment(enrollment_id)
            if existing is not None:
                return Issued(existing, created=False)
            if ref.completed_at is None:
                raise InvalidRequest("The course is not completed yet")
        certificate_id, issued_at = self._ids.new_id(), self._clock.now()
        for number in self._numbers.draws(issued_at.year):
            async with self._uow as uow:
                if await uow.certificates.get_by_number(number) is not None:
                    continue
            certificate = Certificate(
                id=certificate_id,
                enrollment_id=ref.id,
                student_id=ref.student_id,
                course_id=ref.course_id,
                certificate_number=number,
                course_title=ref.course_title,
                student_name=ref.student_name,
                issued_at=issued_at,
                pdf_key=f"certificate-{certificate_id.hex}.pdf",
            )
            issued = await self._store(certificate, ref.student_email)
            if issued is not None:
                return issued
        raise Unavailable("No free certificate number was found; try again")

    async def _store(self, certificate: Certificate, student_email: str) -> Issued | None:
        """Render, upload, insert (with the event and the student's message). None when the
        number was taken meanwhile."""
        await self._pdfs.store(certificate)
        try:
            async with self._uow as uow:
                await uow.certificates.add(certificate)
                await uow.events.record(
                    Event.of(
                        EventType.CERTIFICATE_ISSUED,
                        at=certificate.issued_at,
                        certificate_id=certificate.id,
                        certificate_number=certificate.certificate_number,
                        course_id=certificate.course_id,
                        student_id=certificate.student_id,
                    )
                )
                if student_email:
                    message = certificate_issued(
                        to=student_email,
                        full_name=certificate.student_name,
                        course_title=certificate.course_title,
                        number=certificate.certificate_number,
                        url=self._pdfs.verification_url(certificate.certificate_number),
                    )
                    await uow.mail.queue(message, at=certificate.issued_at)
                await uow.commit()
        except NumberTaken:
            await self._pdfs.discard(certificate)
            return None
        except CertificateExists:
            await self._pdfs.discard(certificate)
            assert certificate.enrollment_id is not None
            async with self._uow as uow:
                winner = await uow.certificates.get_by_enrollment(certificate.enrollment_id)
            if winner is None:  # the course went away in between
                raise NotFound(ENROLLMENT_NOT_FOUND) from None
            return Issued(winner, created=False)
        except BaseException:
            await self._pdfs.discard(certificate)
            raise
        return Issued(certificate, created=True)


async def _visible(uow: CredentialsReader, actor: Actor, certificate_id: UUID) -> Certificate:
    certificate = await uow.certificates.get(certificate_id)
    if certificate is None or not certificate.visible_to(actor):
        raise NotFound(CERTIFICATE_NOT_FOUND)
    return certificate


class GetCertificate:
    """Its student and admins; others 404."""

    def __init__(self, uow: CredentialsReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, certificate_id: UUID) -> Certificate:
        async with self._uow as uow:
            return await _visible(uow, actor, certificate_id)


class CertificateDownloadUrl:
    """A signed URL of the stored PDF (its student and admins)."""

    def __init__(self, uow: CredentialsReader, blobs: BlobStorage, policy: CertificatePolicy) -> None:
        self._uow, self._blobs, self._policy = uow, blobs, policy

    async def __call__(self, *, actor: Actor, certificate_id: UUID) -> str:
        async with self._uow as uow:
            certificate = await _visible(uow, actor, certificate_id)
        return await self._blobs.download_url(
            certificate.pdf_key,
            filename=certificate.pdf_filename,
            content_type=PDF_CONTENT_TYPE,
            expires_in=self._policy.download_expiry,
        )


class MyCertificates:
    def __init__(self, uow: CredentialsReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, page: PageRequest) -> Page[Certificate]:
        async with self._uow as uow:
            items, total = await uow.certificates.list_for_student(actor.user_id, page=page)
        return Page.of(items, total, page)


class VerifyCertificate:
    """Public: anyone holding a number may check it. Unknown or malformed numbers: 404."""

    def __init__(self, uow: CredentialsReader) -> None:
        self._uow = uow

    async def __call__(self, *, certificate_number: str) -> Certificate:
        if not is_certificate_number(certificate_number):
            raise NotFound(CERTIFICATE_NOT_FOUND)
        async with self._uow as uow:
            certificate = await uow.certificates.get_by_number(certificate_number)
        if certificate is None:
            raise NotFound(CERTIFICATE_NOT_FOUND)
        return certificate
