"""The audit log: who did what to which thing, from where, written with the change itself.

A use case records an entry through its unit of work's ``audit`` (an :class:`AuditLog`), in the
same transaction as the change, so an entry exists exactly when its change does. Entries are only
ever added: no port reads one to change or delete it. They name people by id only: ``details``
holds ids, numbers, flags and the enumerated values below, never an address, a name, a password,
a secret, a token or a code (:meth:`AuditEntry.of` refuses anything else).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from lms_domain.shared.ids import time_ordered_id
from lms_domain.shared.pagination import PageRequest

__all__ = [
    "NO_CONTEXT",
    "AuditAction",
    "AuditEntry",
    "AuditLog",
    "AuditQuery",
    "AuditReader",
    "AuditTarget",
    "RequestContext",
    "entry_by",
]


class AuditTarget(StrEnum):
    USER = "user"
    COURSE = "course"
    ATTEMPT = "attempt"
    QUESTION = "question"
    CERTIFICATE = "certificate"
    WEBHOOK = "webhook"


class AuditAction(StrEnum):
    LOGIN_SUCCEEDED = "auth.login_succeeded"
    LOGIN_FAILED = "auth.login_failed"
    LOCKED_OUT = "auth.locked_out"
    PASSWORD_CHANGED = "user.password_changed"
    PASSWORD_RESET = "user.password_reset"
    MFA_ENABLED = "user.mfa_enabled"
    MFA_DISABLED = "user.mfa_disabled"
    ROLE_CHANGED = "user.role_changed"
    ACTIVE_CHANGED = "user.active_changed"
    DATA_EXPORTED = "user.data_exported"
    ERASED = "user.erased"
    COURSE_PUBLISHED = "course.published"
    COURSE_DELETED = "course.deleted"
    STAFF_ADDED = "course.staff_added"
    STAFF_REMOVED = "course.staff_removed"
    ANSWER_GRADED = "attempt.answer_graded"
    QUESTION_REGRADED = "question.regraded"
    CERTIFICATE_ISSUED = "certificate.issued"
    CERTIFICATE_REVOKED = "certificate.revoked"
    WEBHOOK_CREATED = "webhook.created"
    WEBHOOK_UPDATED = "webhook.updated"
    WEBHOOK_DELETED = "webhook.deleted"
    WEBHOOK_SECRET_ROTATED = "webhook.secret_rotated"

    @property
    def target(self) -> AuditTarget:
        """What an action is done to: the part of its name before the dot, but for sign-ins
        (done to a user's account)."""
        area = self.value.partition(".")[0]
        return AuditTarget.USER if area == "auth" else AuditTarget(area)


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Where a call came from, as the HTTP layer saw it (nothing for the command line or embedders):
    the response's ``X-Request-ID`` and the client's address (forwarded headers only from trusted
    proxies)."""

    request_id: str | None = None
    ip: str | None = None


NO_CONTEXT = RequestContext()
"""Calls that did not come over HTTP (the command line, embedders)."""

DetailValue = str | int | float | bool | None
_SAFE_TEXT_KEYS = frozenset({"role", "to", "failure", "certificate_number"})


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    action: AuditAction
    at: datetime
    actor_id: UUID | None
    target_id: UUID | None
    ip: str | None = None
    request_id: str | None = None
    details: Mapping[str, DetailValue] = field(default_factory=dict)
    id: UUID = field(default_factory=time_ordered_id)

    @property
    def target_type(self) -> AuditTarget:
        return self.action.target

    @classmethod
    def of(
        cls,
        action: AuditAction,
        *,
        at: datetime,
        actor_id: UUID | None,
        target_id: UUID | None,
        context: RequestContext | None = None,
        **details: object,
    ) -> AuditEntry:
        """An entry whose ``details`` are ids (as strings), numbers, flags, or text under the few
        keys that only ever hold enumerated values (``role``, ``from``, ``to``, ...)."""
        return cls(
            action=action,
            at=at,
            actor_id=actor_id,
            target_id=target_id,
            ip=context.ip if context else None,
            request_id=context.request_id if context else None,
            details={key: _detail(key, value) for key, value in details.items()},
        )


class Caller(Protocol):
    """Who acted, as an entry needs them (an ``Actor``)."""

    @property
    def user_id(self) -> UUID: ...
    @property
    def context(self) -> RequestContext: ...


def entry_by(
    actor: Caller, action: AuditAction, *, at: datetime, target_id: UUID | None, **details: object
) -> AuditEntry:
    """The entry of ``actor``'s ``action``, from where their request came."""
    return AuditEntry.of(
        action, at=at, actor_id=actor.user_id, target_id=target_id, context=actor.context, **details
    )


def _detail(key: str, value: object) -> DetailValue:
    if isinstance(value, UUID):
        return str(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, StrEnum) or (isinstance(value, str) and key in _SAFE_TEXT_KEYS):
        return str(value)
    raise ValueError(f"audit details hold ids, numbers, flags and enumerated values only, not {key!r}")


class AuditLog(Protocol):
    async def record(self, entry: AuditEntry) -> None:
        """Add the entry in the unit of work's transaction."""
        ...


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters of the log (every one optional; ``since`` and ``until`` inclusive)."""

    actor_id: UUID | None = None
    action: AuditAction | None = None
    target_type: AuditTarget | None = None
    target_id: UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditReader(Protocol):
    async def list(self, query: AuditQuery, *, page: PageRequest) -> tuple[Sequence[AuditEntry], int]:
        """Newest first (then by id, newest first)."""
        ...
