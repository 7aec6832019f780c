"""/files: streamed uploads, metadata, signed downloads, deletion; and the local store's
signed-URL route."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Stream

from lms_domain.files import use_cases as uc
from lms_domain.files.ports import SignedBlob
from lms_domain.shared.actors import Actor
from lms_http.dto.files import FileOut, FilePage
from lms_http.errors import errors
from lms_http.multipart import MULTIPART_OVERHEAD, MultipartFile
from lms_http.params import PageNumber, PageSize, page_request
from lms_platform.disposition import attachment_disposition

__all__ = ["FileBlobController", "FileController"]


@dataclass
class _UploadOperation(Operation):
    """Documents the multipart body the handler reads itself from the stream."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            content={
                "multipart/form-data": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        properties={"file": Schema(type=OpenAPIType.STRING, format="binary")},  # type: ignore[arg-type]
                        required=["file"],
                    )
                )
            },
        )


@dataclass
class _BlobOperation(Operation):
    """The signed blob route answers with the file itself, in the type it was stored with."""

    def __post_init__(self) -> None:
        self.responses = {
            **(self.responses or {}),
            "200": OpenAPIResponse(
                description="The file's bytes, with the Content-Type it was stored with",
                content={
                    "*/*": OpenAPIMediaType(
                        schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                    )
                },
                headers={
                    "Content-Disposition": OpenAPIHeader(
                        schema=Schema(type=OpenAPIType.STRING), description="attachment, with the file's name"
                    ),
                    "Content-Length": OpenAPIHeader(
                        schema=Schema(type=OpenAPIType.STRING), description="The file's size in bytes"
                    ),
                },
            ),
        }


def _redirect_spec() -> dict[int, ResponseSpec]:
    return {307: ResponseSpec(data_container=None, description="Redirect to a signed download URL")}


class FileController(Controller):
    path, tags = "/files", ["files"]

    @post(
        "/upload",
        status_code=201,
        request_max_body_size=None,  # the 1 MiB JSON limit does not apply: the upload limit does
        operation_class=_UploadOperation,
        responses=errors(401, 413, 415, 422, 429, 503),
    )
    async def upload_file(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        upload_file: NamedDependency[uc.UploadFile],
        file_policy: NamedDependency[uc.FilePolicy],
    ) -> FileOut:
        """Upload a file (multipart field `file`). Its type is decided from its content."""
        form = MultipartFile(
            request.stream(),
            request.headers.get("content-type", ""),
            field="file",
            max_body_bytes=file_policy.max_upload_bytes + MULTIPART_OVERHEAD,
        )
        filename = await form.open()
        return FileOut.of(await upload_file(actor=actor, filename=filename, chunks=form.chunks()))

    @get("/", responses=errors(401, 422, 429, 503))
    async def list_files(
        self,
        actor: NamedDependency[Actor],
        list_files: NamedDependency[uc.ListFiles],
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> FilePage:
        """The caller's files, newest first (admins: everyone's)."""
        return FilePage.of(await list_files(actor=actor, page=page_request(page, page_size)))

    @get("/{file_id:uuid}", responses=errors(401, 404, 429, 503))
    async def get_file(
        self, file_id: FromPath[UUID], actor: NamedDependency[Actor], get_file: NamedDependency[uc.GetFile]
    ) -> FileOut:
        """A file's metadata (owner or admin)."""
        return FileOut.of(await get_file(actor=actor, file_id=file_id))

    @get(
        "/{file_id:uuid}/download",
        status_code=307,
        responses={**_redirect_spec(), **errors(401, 404, 429, 503)},
    )
    async def download_file(
        self,
        file_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        create_download_url: NamedDependency[uc.CreateDownloadUrl],
    ) -> Redirect:
        """Redirect to a signed URL that serves the bytes without a token for 5 minutes."""
        return Redirect(await create_download_url(actor=actor, file_id=file_id), status_code=307)

    @delete("/{file_id:uuid}", status_code=204, responses=errors(401, 404, 429, 503))
    async def delete_file(
        self,
        file_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        delete_file: NamedDependency[uc.DeleteFile],
    ) -> None:
        """Delete a file and its bytes (owner or admin)."""
        await delete_file(actor=actor, file_id=file_id)


class FileBlobController(Controller):
    path, tags = "/files/blobs", ["files"]

    @get(
        "/{stored_name:str}",
        security=[],
        operation_class=_BlobOperation,
        responses=errors(403, 404, 422, 429),
    )
    async def signed_blob(
        self,
        stored_name: FromPath[str],
        open_signed_blob: NamedDependency[uc.OpenSignedBlob],
        expires: Annotated[int, QueryParameter(ge=0, le=2**40)],
        name: Annotated[str, QueryParameter(min_length=1, max_length=255)],
        content_type: Annotated[str, QueryParameter(name="type", min_length=1, max_length=127)],
        signature: Annotated[str, QueryParameter(min_length=1, max_length=128)],
    ) -> Stream:
        """The bytes behind a signed download URL (no token: the signature is the permission)."""
        download = await open_signed_blob(
            signed=SignedBlob(
                key=stored_name,
                expires=expires,
                filename=name,
                content_type=content_type,
                signature=signature,
            )
        )
        return Stream(
            download.chunks,
            media_type=download.content_type,
            headers={
                "Content-Disposition": attachment_disposition(download.filename),
                "Content-Length": str(download.size),
                "Cache-Control": "private, no-store",
            },
        )
