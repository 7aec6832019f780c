"""Certificates: issue one for a completed enrollment, read it, download its PDF, verify it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from uuid import UUID

from lms_domain.credentials.badges import (
    STATUS_LIST_BITS,
    IssuerIdentity,
    StatusEntry,
    jwt_payload,
    open_badge_credential,
    status_list_credential,
    vc_jwt_claims,
)
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
    CredentialSigner,
    CredentialsReader,
    CredentialsUnitOfWork,
    EnrollmentRef,
    NumberTaken,
    RandomSource,
    StatusIndexTaken,
    StatusListState,
)
from lms_domain.files.ports import BlobStorage
from lms_domain.mail.templates import certificate_issued
from lms_domain.shared.actors import Actor
from lms_domain.shared.audit import AuditAction, entry_by
from lms_domain.shared.course_access import CourseAccess
from lms_domain.shared.errors import Conflict, Forbidden, InvalidField, InvalidRequest, NotFound, Unavailable
from lms_domain.shared.events import Event, EventType
from lms_domain.shared.pagination import Page, PageRequest
from lms_domain.shared.ports import Clock, IdGenerator

__all__ = [
    "PDF_CONTENT_TYPE",
    "BadgeIssuer",
    "CertificateCredential",
    "CertificateDownloadUrl",
    "CertificateDraws",
    "CertificatePdfs",
    "CertificatePolicy",
    "GenerateCertificate",
    "GetCertificate",
    "Issued",
    "IssuerProfile",
    "MyCertificates",
    "PublicCredential",
    "RevokeCertificate",
    "SignedCredential",
    "StatusListCredential",
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
    status_draws: int = 20
    """Random places tried in a status list before the next list is opened."""
    max_pdf_bytes: int = 20 * 1024 * 1024

    def verification_url(self, certificate_number: str) -> str:
        return f"{self.verification_base.rstrip('/')}/{certificate_number}"

    def credential_url(self, certificate_number: str) -> str:
        """Where anyone holding the number fetches the certificate's credential."""
        return f"{self.verification_url(certificate_number)}/credential"


@dataclass(frozen=True, slots=True)
class Issued:
    certificate: Certificate
    created: bool


def _check_issuer(ref: EnrollmentRef | None, actor: Actor) -> EnrollmentRef:
    """Only the enrollment's student; those who may see the enrollment get 403, others 404."""
    if ref is None:
        raise NotFound(ENROLLMENT_NOT_FOUND)
    if ref.student_id != actor.user_id:
        if CourseAccess.of(actor, owner_id=ref.course_instructor_id, staff=ref.course_staff).reads_all:
            raise Forbidden("Only the enrolled student can generate the certificate")
        raise NotFound(ENROLLMENT_NOT_FOUND)
    return ref


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


class CertificateDraws:
    """What a new certificate is given at random: its id, candidate numbers of its year
    (``number_attempts`` per certificate), and the salt of its hashed address."""

    def __init__(self, random: RandomSource, ids: IdGenerator, policy: CertificatePolicy) -> None:
        self._random, self._ids, self._policy = random, ids, policy

    def new_id(self) -> UUID:
        return self._ids.new_id()

    def numbers(self, year: int) -> Iterator[str]:
        for _ in range(self._policy.number_attempts):
            yield format_number(year, self._random.randbelow(10**NUMBER_DIGITS))


@dataclass(frozen=True, slots=True)
class SignedCredential:
    """A certificate's credential as served: the VC-JWT and its payload."""

    jwt: str
    credential: dict[str, object]


class BadgeIssuer:
    """Builds and signs the Open Badges credentials of certificates and the revocation lists.

    A certificate's place in a list is drawn at random among the places of the newest list
    (``status_draws`` tries, the database refusing taken ones), then of a new list.
    """

    def __init__(
        self,
        signer: CredentialSigner,
        random: RandomSource,
        policy: CertificatePolicy,
        *,
        name: str,
        url: str,
    ) -> None:
        self._signer, self._random, self._policy = signer, random, policy
        self.identity = IssuerIdentity(did=signer.did, name=name, url=url)

    def profile(self) -> dict[str, object]:
        return {**self.identity.profile(), "publicKeyJwk": self._signer.public_jwk()}

    def salt(self) -> str:
        return f"{self._random.randbelow(1 << 128):032x}"

    def places(self, newest_list: int) -> Iterator[StatusEntry]:
        for list_number in (newest_list, newest_list + 1):
            for _ in range(self._policy.status_draws):
                yield StatusEntry(list_number, self._random.randbelow(STATUS_LIST_BITS))

    def sign_certificate(self, certificate: Certificate, *, email: str, status: StatusEntry) -> str:
        credential = open_badge_credential(
            certificate_id=certificate.id,
            course_id=certificate.course_id,
            course_title=certificate.course_title,
            issued_at=certificate.issued_at,
            email=email,
            salt=self.salt(),
            issuer=self.identity,
            status=status,
        )
        return self._signer.sign(vc_jwt_claims(credential, issuer=self.identity))

    def sign_status_list(self, list_number: int, state: StatusListState) -> str:
        credential = status_list_credential(
            issuer=self.identity, list_number=list_number, revoked=state.revoked, valid_from=state.changed_at
        )
        return self._signer.sign(vc_jwt_claims(credential, issuer=self.identity))

    async def place(
        self,
        uow: CredentialsUnitOfWork,
        certificate: Certificate,
        *,
        email: str,
        save: Callable[[Certificate], Awaitable[bool]],
    ) -> Certificate | None:
        """Sign ``certificate``'s credential at a free place and ``save`` it (``add`` or
        ``attach_credential``): the certificate with its credential, None when ``save`` answers
        False, Unavailable when no place was free."""
        for status in self.places(await uow.certificates.last_status_list()):
            credential = self.sign_certificate(certificate, email=email, status=status)
            signed = replace(certificate, status=status, credential=credential)
            try:
                saved = await save(signed)
            except StatusIndexTaken:
                continue
            return signed if saved else None
        raise Unavailable("No free place in the revocation list was found; try again")


class CertificatePdfs:
    """Prints a certificate's PDF into the blob store, and takes it out again."""

    def __init__(self, renderer: CertificateRenderer, blobs: BlobStorage, policy: CertificatePolicy) -> None:
        self._renderer, self._blobs, self._policy = renderer, blobs, policy

    def verification_url(self, certificate_number: str) -> str:
        return self._policy.verification_url(certificate_number)

    async def store(self, certificate: Certificate) -> None:
        """Only for a certificate being issued (it has its student's name and a key)."""
        assert certificate.student_name is not None and certificate.pdf_key is not None
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
        if certificate.pdf_key is not None:
            await self._blobs.delete(certificate.pdf_key)


class GenerateCertificate:
    """Issue the certificate of a completed enrollment, once, with its signed credential.

    The PDF is rendered and stored before the row is inserted, with no unit of work
    open meanwhile. The unique constraint on the enrollment decides between concurrent
    calls: the loser deletes its PDF and answers with the winner's certificate. A number
    taken in the meantime (the other unique constraint) means another number and PDF; a taken
    place in the revocation list, another place.
    """

    def __init__(
        self,
        uow: CredentialsUnitOfWork,
        pdfs: CertificatePdfs,
        draws: CertificateDraws,
        badges: BadgeIssuer,
        clock: Clock,
    ) -> None:
        self._uow, self._pdfs, self._draws, self._badges, self._clock = uow, pdfs, draws, badges, clock

    async def __call__(self, *, actor: Actor, enrollment_id: UUID) -> Issued:
        async with self._uow as uow:
            ref = _check_issuer(await uow.certificate_sources.enrollment(enrollment_id), actor)
            existing = await uow.certificates.get_by_enrollment(enrollment_id)
            if existing is not None:
                return Issued(existing, created=False)
            if ref.completed_at is None:
                raise InvalidRequest("The course is not completed yet")
        certificate_id, issued_at = self._draws.new_id(), self._clock.now()
        for number in self._draws.numbers(issued_at.year):
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
            issued = await self._store(actor, certificate, ref.student_email)
            if issued is not None:
                return issued
        raise Unavailable("No free certificate number was found; try again")

    async def _store(self, actor: Actor, certificate: Certificate, student_email: str) -> Issued | None:
        """Render, upload, insert with its credential (and the event and the student's message).
        None when the number was taken meanwhile."""
        await self._pdfs.store(certificate)
        try:
            async with self._uow as uow:

                async def add(signed: Certificate) -> bool:
                    await uow.certificates.add(signed)
                    return True

                signed = await self._badges.place(uow, certificate, email=student_email, save=add)
                assert signed is not None
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
                await uow.audit.record(
                    entry_by(
                        actor,
                        AuditAction.CERTIFICATE_ISSUED,
                        at=certificate.issued_at,
                        target_id=certificate.id,
                    )
                )
                if student_email and certificate.student_name is not None:
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
        return Issued(signed, created=True)


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
        if certificate.revoked and not actor.is_admin:
            raise Forbidden("This certificate was revoked")
        if certificate.pdf_key is None:
            raise NotFound("This certificate's PDF was deleted with its student's account")
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
        async with self._uow as uow:
            return await _by_number(uow, certificate_number)


async def _by_number(uow: CredentialsReader, certificate_number: str) -> Certificate:
    certificate = None
    if is_certificate_number(certificate_number):
        certificate = await uow.certificates.get_by_number(certificate_number)
    if certificate is None:
        raise NotFound(CERTIFICATE_NOT_FOUND)
    return certificate


class _Credentials:
    """A certificate's credential; one issued before credentials existed gets it now (signed now,
    valid from its issue time), the first of racing requests deciding which one it keeps."""

    def __init__(self, uow: CredentialsUnitOfWork, badges: BadgeIssuer) -> None:
        self._uow, self._badges = uow, badges

    async def of(self, certificate: Certificate) -> SignedCredential:
        jwt = certificate.credential
        if jwt is None:
            jwt = await self._attach(certificate)
        return SignedCredential(jwt=jwt, credential=jwt_payload(jwt))

    async def _attach(self, certificate: Certificate) -> str:
        async with self._uow as uow:
            email = await uow.certificate_sources.student_email(certificate.student_id) or ""

            async def attach(signed: Certificate) -> bool:
                assert signed.status is not None and signed.credential is not None
                return await uow.certificates.attach_credential(signed.id, signed.status, signed.credential)

            signed = await self._badges.place(uow, certificate, email=email, save=attach)
            if signed is not None:
                await uow.commit()
                assert signed.credential is not None
                return signed.credential
            winner = await uow.certificates.get(certificate.id)
        if winner is None or winner.credential is None:  # gone in between
            raise NotFound(CERTIFICATE_NOT_FOUND)
        return winner.credential


class CertificateCredential:
    """The Open Badges credential of a certificate: its student and admins; others 404."""

    def __init__(self, uow: CredentialsUnitOfWork, badges: BadgeIssuer) -> None:
        self._uow, self._credentials = uow, _Credentials(uow, badges)

    async def __call__(self, *, actor: Actor, certificate_id: UUID) -> SignedCredential:
        async with self._uow as uow:
            certificate = await _visible(uow, actor, certificate_id)
        return await self._credentials.of(certificate)


class PublicCredential:
    """The same credential for anyone holding the certificate's number."""

    def __init__(self, uow: CredentialsUnitOfWork, badges: BadgeIssuer) -> None:
        self._uow, self._credentials = uow, _Credentials(uow, badges)

    async def __call__(self, *, certificate_number: str) -> SignedCredential:
        async with self._uow as uow:
            certificate = await _by_number(uow, certificate_number)
        return await self._credentials.of(certificate)


MAX_REASON = 500
MAX_LIST_NUMBER = 2**31 - 1
"""The highest list number a store keeps (a 32-bit integer); higher ones are unknown lists."""


class RevokeCertificate:
    """Admins revoke a certificate, once (again: 409); its student gets 403, anyone else 404.

    The row keeps everything; the bit of its place in the status list is set from now on."""

    def __init__(self, uow: CredentialsUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, *, actor: Actor, certificate_id: UUID, reason: str) -> Certificate:
        if not 1 <= len(reason) <= MAX_REASON or not reason.strip():
            raise InvalidField("reason", f"Give a reason of 1 to {MAX_REASON} characters")
        async with self._uow as uow:
            certificate = await uow.certificates.get(certificate_id)
            if certificate is None or not certificate.visible_to(actor):
                raise NotFound(CERTIFICATE_NOT_FOUND)
            if not actor.is_admin:
                raise Forbidden("Only an admin can revoke a certificate")
            at = self._clock.now()
            if not await uow.certificates.revoke(certificate.id, at=at, reason=reason):
                raise Conflict("The certificate is revoked already")
            await uow.events.record(
                Event.of(
                    EventType.CERTIFICATE_REVOKED,
                    at=at,
                    certificate_id=certificate.id,
                    certificate_number=certificate.certificate_number,
                    reason=reason,
                )
            )
            await uow.audit.record(
                entry_by(
                    actor,
                    AuditAction.CERTIFICATE_REVOKED,
                    at=at,
                    target_id=certificate.id,
                    certificate_number=certificate.certificate_number,
                )
            )
            await uow.commit()
        return replace(certificate, revoked_at=at, revocation_reason=reason)


class StatusListCredential:
    """A revocation list as a signed ``BitstringStatusListCredential`` (public); lists that hold
    no certificate: 404. Built from the database on every call, so no worker serves it stale."""

    def __init__(self, uow: CredentialsReader, badges: BadgeIssuer) -> None:
        self._uow, self._badges = uow, badges

    async def __call__(self, *, list_number: int) -> str:
        state = None
        if 1 <= list_number <= MAX_LIST_NUMBER:
            async with self._uow as uow:
                state = await uow.certificates.status_list(list_number)
        if state is None:
            raise NotFound("Status list not found")
        return self._badges.sign_status_list(list_number, state)


class IssuerProfile:
    """The issuer's Profile with its public key (public)."""

    def __init__(self, badges: BadgeIssuer) -> None:
        self._badges = badges

    async def __call__(self) -> dict[str, object]:
        return self._badges.profile()
