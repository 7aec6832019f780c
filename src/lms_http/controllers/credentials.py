"""/certificates: issue, list, read, download and (publicly) verify certificates."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Operation
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect

from lms_domain.credentials import use_cases as uc
from lms_domain.shared.actors import Actor
from lms_http.dto.credentials import CertificateOut, CertificatePage, GenerateCertificateIn, VerificationOut
from lms_http.errors import errors
from lms_http.names import CERTIFICATES, VERIFY
from lms_http.params import PageNumber, PageSize, page_request

__all__ = ["CertificateController"]


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
    ) -> VerificationOut:
        """Check a certificate number (no token needed). Unknown numbers: 404."""
        return VerificationOut.of(await verify_certificate(certificate_number=certificate_number))

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
            **errors(401, 404, 429, 503),
        },
    )
    async def download_certificate(
        self,
        certificate_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        certificate_download_url: NamedDependency[uc.CertificateDownloadUrl],
    ) -> Redirect:
        """Redirect to a signed URL that serves the PDF without a token for 5 minutes."""
        return Redirect(
            await certificate_download_url(actor=actor, certificate_id=certificate_id), status_code=307
        )
