"""/certificates: issue, list, read, download, revoke and (publicly) verify certificates and
their Open Badges credentials; /credentials/status: the revocation lists; /issuer: who signs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Operation
from litestar.params import FromPath, JSONBody, Parameter
from litestar.response import Redirect

from lms_domain.credentials import use_cases as uc
from lms_domain.shared.actors import Actor
from lms_http.dto.credentials import (
    CertificateOut,
    CertificatePage,
    CredentialOut,
    GenerateCertificateIn,
    IssuerOut,
    RevokeIn,
    VerificationOut,
)
from lms_http.errors import errors
from lms_http.names import CERTIFICATES, VERIFY
from lms_http.params import PageNumber, PageSize, page_request

__all__ = ["CertificateController", "IssuerController", "StatusListController"]

ListNumber = Annotated[
    int, Parameter(ge=1, le=uc.MAX_LIST_NUMBER, description="The status list's number, from 1")
]

VC_JWT = "application/vc+jwt"
STATUS_LIST_MAX_AGE = 60
"""Seconds a client may reuse a status list without asking again; then the ETag makes asking cheap."""


@dataclass
class _PublicOperation(Operation):
    """Documents that no token is needed (Litestar leaves an empty ``security`` out of the
    schema, which would make the app-wide bearer requirement apply)."""

    def __post_init__(self) -> None:
        self.security = []


class CertificateController(Controller):
    path, tags = CERTIFICATES, ["certificates"]

    @post(
        "/generate",
        status_code=201,
        responses={
            200: ResponseSpec(
                data_container=CertificateOut, description="Issued before: the same certificate"
            ),
            **errors(400, 401, 403, 404, 422, 429, 503),
        },
    )
    async def generate_certificate(
        self,
        data: JSONBody[GenerateCertificateIn],
        actor: NamedDependency[Actor],
        generate_certificate: NamedDependency[uc.GenerateCertificate],
    ) -> Response[CertificateOut]:
        """Issue the certificate of the caller's completed enrollment (201; again: 200, the same one)."""
        issued = await generate_certificate(actor=actor, enrollment_id=data.enrollment_id)
        return Response(CertificateOut.of(issued.certificate), status_code=201 if issued.created else 200)

    @get("/my-certificates", responses=errors(401, 422, 429, 503))
    async def my_certificates(
        self,
        actor: NamedDependency[Actor],
        my_certificates: NamedDependency[uc.MyCertificates],
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> CertificatePage:
        """The caller's certificates, newest first."""
        return CertificatePage.of(await my_certificates(actor=actor, page=page_request(page, page_size)))

    @get(
        VERIFY + "/{certificate_number:str}",
        operation_class=_PublicOperation,
        responses=errors(404, 429, 503),
    )
    async def verify_certificate(
        self,
        certificate_number: FromPath[str],
        verify_certificate: NamedDependency[uc.VerifyCertificate],
        certificate_policy: NamedDependency[uc.CertificatePolicy],
    ) -> VerificationOut:
        """Check a certificate number (no token needed): `valid` is false once it is revoked.
        Unknown numbers: 404."""
        certificate = await verify_certificate(certificate_number=certificate_number)
        return VerificationOut.of(certificate, policy=certificate_policy)

    @get(
        VERIFY + "/{certificate_number:str}/credential",
        operation_class=_PublicOperation,
        responses=errors(404, 429, 503),
    )
    async def public_credential(
        self,
        certificate_number: FromPath[str],
        public_credential: NamedDependency[uc.PublicCredential],
    ) -> CredentialOut:
        """The certificate's Open Badges 3.0 credential, for anyone holding its number (no token)."""
        return CredentialOut.of(await public_credential(certificate_number=certificate_number))

    @get("/{certificate_id:uuid}/credential", responses=errors(401, 404, 429, 503))
    async def certificate_credential(
        self,
        certificate_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        certificate_credential: NamedDependency[uc.CertificateCredential],
    ) -> CredentialOut:
        """The certificate's Open Badges 3.0 credential as a VC-JWT (its student or an admin)."""
        return CredentialOut.of(await certificate_credential(actor=actor, certificate_id=certificate_id))

    @post(
        "/{certificate_id:uuid}/revoke", status_code=200, responses=errors(401, 403, 404, 409, 422, 429, 503)
    )
    async def revoke_certificate(
        self,
        certificate_id: FromPath[UUID],
        data: JSONBody[RevokeIn],
        actor: NamedDependency[Actor],
        revoke_certificate: NamedDependency[uc.RevokeCertificate],
    ) -> CertificateOut:
        """Revoke a certificate (admin; its student 403; again 409). Its bit in the status list is
        set, its verification answers `valid: false`, and its student can no longer download it."""
        certificate = await revoke_certificate(actor=actor, certificate_id=certificate_id, reason=data.reason)
        return CertificateOut.of(certificate)

    @get("/{certificate_id:uuid}", responses=errors(401, 404, 429, 503))
    async def get_certificate(
        self,
        certificate_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        get_certificate: NamedDependency[uc.GetCertificate],
    ) -> CertificateOut:
        """A certificate (its student or an admin)."""
        return CertificateOut.of(await get_certificate(actor=actor, certificate_id=certificate_id))

    @get(
        "/{certificate_id:uuid}/download",
        status_code=307,
        responses={
            307: ResponseSpec(data_container=None, description="Redirect to a signed URL of the PDF"),
            **errors(401, 403, 404, 429, 503),
        },
    )
    async def download_certificate(
        self,
        certificate_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        certificate_download_url: NamedDependency[uc.CertificateDownloadUrl],
    ) -> Redirect:
        """Redirect to a signed URL that serves the PDF without a token for 5 minutes (a revoked
        certificate: admins only, its student 403)."""
        return Redirect(
            await certificate_download_url(actor=actor, certificate_id=certificate_id), status_code=307
        )


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class StatusListController(Controller):
    path, tags = "/credentials/status", ["certificates"]

    @get(
        "/{list_number:int}",
        operation_class=_PublicOperation,
        media_type=VC_JWT,
        responses={
            304: ResponseSpec(data_container=None, description="Unchanged since the ETag sent"),
            **errors(404, 429, 503),
        },
    )
    async def status_list(
        self,
        request: Request[Any, Any, Any],
        list_number: ListNumber,
        status_list_credential: NamedDependency[uc.StatusListCredential],
    ) -> Response[bytes]:
        """A revocation list: a `BitstringStatusListCredential` as a VC-JWT signed by the issuer
        (no token). Built from the database on every request; clients may keep it for a minute
        and then ask again with `If-None-Match`."""
        body = (await status_list_credential(list_number=list_number)).encode("ascii")
        tag = _etag(body)
        headers = {"Cache-Control": f"public, max-age={STATUS_LIST_MAX_AGE}", "ETag": tag}
        if tag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
            return Response(b"", status_code=304, headers=headers, media_type=VC_JWT)
        return Response(body, headers=headers, media_type=VC_JWT)


class IssuerController(Controller):
    path, tags = "/issuer", ["certificates"]

    @get("", operation_class=_PublicOperation, responses=errors(429, 503))
    async def issuer(self, issuer_profile: NamedDependency[uc.IssuerProfile]) -> IssuerOut:
        """Who signs certificates' credentials: the Open Badges Profile with its DID (`did:key`)
        and public key (no token)."""
        return msgspec.convert(await issuer_profile(), IssuerOut)
