"""/courses/{course_id}/gradebook: the course's students and their quiz results, as JSON or CSV."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.enums import MediaType
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
)
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream

from lms_domain.assessment import use_cases as uc
from lms_domain.shared.actors import Actor
from lms_http.dto.gradebook import CSV_COLUMNS, GradebookPage, gradebook_csv
from lms_http.errors import errors
from lms_http.params import PageNumber, PageSize, page_request
from lms_platform.disposition import attachment_disposition

__all__ = ["GradebookController", "GradebookFormat"]

CSV = "text/csv"


class GradebookFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


FormatParam = Annotated[
    GradebookFormat | None,
    QueryParameter(
        name="format",
        description="`csv`: every student, unpaged, as a CSV file (as does `Accept: text/csv`); "
        "`json` (the default): a page of students",
    ),
]

_CSV_DESCRIPTION = (
    "With `format=csv` or `Accept: text/csv`: every enrolled student, unpaged, streamed as CSV. Header "
    f"`{','.join(CSV_COLUMNS)}`, then one column per published quiz (oldest first) headed by its "
    "title and holding the student's best graded score (empty when none). A cell starting with "
    "`=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so that spreadsheets show "
    "it as text rather than run it as a formula."
)


@dataclass
class _GradebookOperation(Operation):
    """The 200 answer has two bodies: the JSON page, and the CSV file."""

    def __post_init__(self) -> None:
        responses = dict(self.responses or {})
        ok = responses.get("200")
        if isinstance(ok, OpenAPIResponse):
            content = dict(ok.content or {})
            content[CSV] = OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, description=_CSV_DESCRIPTION)
            )
            headers = dict(ok.headers or {})
            headers["Content-Disposition"] = OpenAPIHeader(
                schema=Schema(type=OpenAPIType.STRING),
                description="CSV only: attachment, named `gradebook-<course_id>.csv`",
            )
            responses["200"] = OpenAPIResponse(description=ok.description, content=content, headers=headers)
        self.responses = responses


def _wants_csv(request: Request[Any, Any, Any], output: GradebookFormat | None) -> bool:
    """``format`` decides when given; otherwise the ``Accept`` header (JSON unless it prefers CSV)."""
    if output is not None:
        return output is GradebookFormat.CSV
    if "accept" not in request.headers:
        return False
    return request.accept.best_match([MediaType.JSON, CSV], default=MediaType.JSON) == CSV


class GradebookController(Controller):
    path, tags = "/courses", ["gradebook"]

    @get(
        "/{course_id:uuid}/gradebook",
        operation_class=_GradebookOperation,
        responses={
            200: ResponseSpec(
                data_container=GradebookPage,
                description="A page of the gradebook (JSON), or every student as CSV",
                generate_examples=False,
            ),
            **errors(401, 403, 404, 422, 429, 503),
        },
    )
    async def gradebook(
        self,
        request: Request[Any, Any, Any],
        course_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        get_gradebook: NamedDependency[uc.GetGradebook],
        export_gradebook: NamedDependency[uc.ExportGradebook],
        page: PageNumber = 1,
        page_size: PageSize = 20,
        output: FormatParam = None,
    ) -> Response[Any]:
        """The course's enrolled students (by name, then id) with their progress and, per published
        quiz (oldest first), their best graded score, finished attempts and whether one passed.

        For the course's editors and teaching assistants; others who may see the course get 403,
        and a draft course of others or an unknown one is 404. JSON answers a page of students;
        `format=csv` (or `Accept: text/csv`) answers every student as a CSV file, streamed.
        """
        if _wants_csv(request, output):
            export = await export_gradebook(actor=actor, course_id=course_id)
            return Stream(
                gradebook_csv(export),
                media_type=f"{CSV}; charset=utf-8",
                headers={"Content-Disposition": attachment_disposition(f"gradebook-{course_id}.csv")},
            )
        found = await get_gradebook(actor=actor, course_id=course_id, page=page_request(page, page_size))
        return Response(GradebookPage.of(found), media_type=MediaType.JSON)
