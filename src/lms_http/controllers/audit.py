"""/audit-log: who did what, from where (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter

from lms_domain.audit.use_cases import ListAuditLog
from lms_domain.shared.actors import Actor
from lms_domain.shared.audit import AuditAction, AuditQuery, AuditTarget
from lms_http.dto.audit import AuditPage
from lms_http.errors import errors
from lms_http.params import PageNumber, PageSize, page_request

__all__ = ["AuditLogController"]

ActorFilter = Annotated[UUID | None, QueryParameter(description="Entries of this actor")]
ActionFilter = Annotated[AuditAction | None, QueryParameter(description="Entries of this action")]
TargetTypeFilter = Annotated[
    AuditTarget | None, QueryParameter(description="Entries about this kind of thing")
]
TargetFilter = Annotated[UUID | None, QueryParameter(description="Entries about this thing")]
# An ISO 8601 time with its offset (`Z` or `+hh:mm`): a bare number or a time without an offset
# would be read in more than one way.
TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"
Since = Annotated[
    str | None,
    QueryParameter(pattern=TIME, description="Entries at or after this time (ISO 8601 with offset)"),
]
Until = Annotated[
    str | None,
    QueryParameter(pattern=TIME, description="Entries at or before this time (ISO 8601 with offset)"),
]


def _time(name: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:  # the shape is right but not the values (month 13, hour 25)
        raise ValidationException(
            detail="Validation failed",
            extra=[{"key": name, "source": "query", "message": "Not a valid time"}],
        ) from None


class AuditLogController(Controller):
    path, tags = "/audit-log", ["audit"]

    @get("", responses=errors(401, 403, 422, 429, 503))
    async def list_audit_log(
        self,
        actor: NamedDependency[Actor],
        list_audit_log: NamedDependency[ListAuditLog],
        actor_id: ActorFilter = None,
        action: ActionFilter = None,
        target_type: TargetTypeFilter = None,
        target_id: TargetFilter = None,
        since: Since = None,
        until: Until = None,
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> AuditPage:
        """The audit log, newest first (admins). Every filter is optional; `since` and `until` are
        inclusive."""
        query = AuditQuery(
            actor_id=actor_id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            since=_time("since", since),
            until=_time("until", until),
        )
        return AuditPage.of(
            await list_audit_log(actor=actor, query=query, page=page_request(page, page_size))
        )
