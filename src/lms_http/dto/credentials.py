"""Bodies of the certificate endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from lms_domain.credentials.entities import Certificate
from lms_domain.credentials.use_cases import MAX_REASON, CertificatePolicy, SignedCredential
from lms_domain.shared.pagination import Page
from lms_http.dto.pages import PageOut, page_fields

__all__ = [
    "CertificateOut",
    "CertificatePage",
    "CredentialOut",
    "GenerateCertificateIn",
    "IssuerOut",
    "RevokeIn",
    "VerificationOut",
]


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
    student_name: str | None
    """None once the student's account is erased."""
    revoked_at: datetime | None
    revocation_reason: str | None

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
            revoked_at=certificate.revoked_at,
            revocation_reason=certificate.revocation_reason,
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
    valid: bool
    """False once the certificate is revoked."""
    status: Literal["active", "revoked"]
    certificate_number: str
    course_title: str
    student_name: str | None
    """None once the student's account is erased."""
    issued_at: datetime
    credential_url: str
    """Where anyone fetches its Open Badges credential (no token)."""

    @classmethod
    def of(cls, certificate: Certificate, *, policy: CertificatePolicy) -> VerificationOut:
        return cls(
            valid=not certificate.revoked,
            status="revoked" if certificate.revoked else "active",
            certificate_number=certificate.certificate_number,
            course_title=certificate.course_title,
            student_name=certificate.student_name,
            issued_at=certificate.issued_at,
            credential_url=policy.credential_url(certificate.certificate_number),
        )


class RevokeIn(msgspec.Struct, kw_only=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_REASON)]


class CredentialOut(msgspec.Struct, kw_only=True):
    """An Open Badges 3.0 credential: the VC-JWT as signed, and its payload (the credential with
    the JWT claims ``iss``, ``jti`` and ``nbf``)."""

    format: Literal["vc+jwt"]
    jwt: str
    credential: dict[str, Any]

    @classmethod
    def of(cls, signed: SignedCredential) -> CredentialOut:
        return cls(format="vc+jwt", jwt=signed.jwt, credential=signed.credential)


class PublicJwk(msgspec.Struct, kw_only=True):
    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: str


class IssuerOut(msgspec.Struct, kw_only=True, rename={"public_key_jwk": "publicKeyJwk"}):
    """The issuer's Open Badges Profile: its DID, and the public key that signs credentials."""

    id: str
    type: list[str]
    name: str
    url: str
    public_key_jwk: PublicJwk
