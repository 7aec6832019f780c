"""Who someone is to a course, and what that lets them do: the one place these rules live.

Every area (catalog, assessment, learning, analytics, credentials) asks :class:`CourseAccess`
rather than comparing ids itself. *Course editors* are the owner, co-instructors and admins; a
teaching assistant reads everything editors read and grades essays, but changes nothing else;
only the owner and admins delete the course and manage its staff.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from lms_domain.shared.actors import Actor

__all__ = ["CourseAccess", "CourseStanding", "StaffMember", "StaffRole"]


class StaffRole(StrEnum):
    CO_INSTRUCTOR = "co_instructor"
    TEACHING_ASSISTANT = "teaching_assistant"


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffMember:
    """Someone on a course's staff, with what the course shows of them."""

    user_id: UUID
    role: StaffRole
    full_name: str
    email: str
    added_at: datetime


class CourseStanding(StrEnum):
    """The caller's place in a course, strongest first."""

    ADMIN = "admin"
    OWNER = "owner"
    CO_INSTRUCTOR = "co_instructor"
    TEACHING_ASSISTANT = "teaching_assistant"
    NONE = "none"


_EDITORS = frozenset({CourseStanding.ADMIN, CourseStanding.OWNER, CourseStanding.CO_INSTRUCTOR})
_READERS = _EDITORS | {CourseStanding.TEACHING_ASSISTANT}
_MANAGERS = frozenset({CourseStanding.ADMIN, CourseStanding.OWNER})


@dataclass(frozen=True, slots=True)
class CourseAccess:
    """What one caller may do with one course (``standing`` decides everything)."""

    standing: CourseStanding

    @classmethod
    def of(
        cls, actor: Actor | None, *, owner_id: UUID, staff: Iterable[tuple[UUID, StaffRole]] = ()
    ) -> CourseAccess:
        """``staff``: the course's staff as (user id, role) pairs (only the caller's matters)."""
        if actor is None:
            return cls(CourseStanding.NONE)
        if actor.is_admin:
            return cls(CourseStanding.ADMIN)
        return cls.of_user(actor.user_id, owner_id=owner_id, staff=staff)

    @classmethod
    def of_user(
        cls, user_id: UUID, *, owner_id: UUID, staff: Iterable[tuple[UUID, StaffRole]] = ()
    ) -> CourseAccess:
        """A user's standing by the course alone (whatever their account's role)."""
        if user_id == owner_id:
            return cls(CourseStanding.OWNER)
        for member_id, role in staff:
            if member_id == user_id:
                return cls(CourseStanding(role.value))
        return cls(CourseStanding.NONE)

    @property
    def edits(self) -> bool:
        """Course editors: change the course, its lessons, quizzes, questions and banks."""
        return self.standing in _EDITORS

    @property
    def reads_all(self) -> bool:
        """Editors and teaching assistants: unpublished content, answers, attempts, reports."""
        return self.standing in _READERS

    @property
    def grades(self) -> bool:
        """Who grades essay answers: editors and teaching assistants."""
        return self.standing in _READERS

    @property
    def manages(self) -> bool:
        """The owner and admins: delete the course, manage its staff."""
        return self.standing in _MANAGERS

    @property
    def is_staff(self) -> bool:
        """Co-instructors and teaching assistants (not the owner, not admins as such)."""
        return self.standing in (CourseStanding.CO_INSTRUCTOR, CourseStanding.TEACHING_ASSISTANT)
