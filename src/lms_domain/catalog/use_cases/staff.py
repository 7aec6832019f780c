"""A course's staff: co-instructors and teaching assistants, managed by its owner and admins."""

from __future__ import annotations

from uuid import UUID

from lms_domain.catalog.ports import CatalogReader, CatalogStamp, CatalogUnitOfWork, StaffExists
from lms_domain.catalog.use_cases.access import changing, managed_course, visible_course
from lms_domain.shared.actors import Actor
from lms_domain.shared.audit import AuditAction, entry_by
from lms_domain.shared.course_access import StaffMember, StaffRole
from lms_domain.shared.errors import Conflict, Forbidden, NotFound
from lms_domain.shared.pagination import Page, PageRequest
from lms_domain.shared.ports import Clock

__all__ = ["AddStaff", "ListStaff", "RemoveStaff"]

ALREADY_STAFF = "The user is on the course's staff already"


class AddStaff:
    """The owner or an admin puts an active user on the staff (201); an unknown or inactive user
    404; the owner, or someone already on it, 409."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, stamp: CatalogStamp) -> None:
        self._uow, self._clock, self._stamp = uow, clock, stamp

    async def __call__(self, *, actor: Actor, course_id: UUID, user_id: UUID, role: StaffRole) -> StaffMember:
        async with changing(self._uow, self._stamp) as uow:
            course = await managed_course(uow, actor, course_id, owner=True)
            if user_id == course.instructor_id:
                raise Conflict("The course's owner cannot be on its staff")
            try:
                member = await uow.course_staff.add(course_id, user_id, role, at=self._clock.now())
            except StaffExists:
                raise Conflict(ALREADY_STAFF) from None
            if member is None:
                raise NotFound("User not found")
            await uow.audit.record(
                entry_by(
                    actor,
                    AuditAction.STAFF_ADDED,
                    at=member.added_at,
                    target_id=course_id,
                    user_id=user_id,
                    role=role,
                )
            )
            await uow.commit()
        return member


class ListStaff:
    """The owner, the staff and admins see the staff (in the order they were added); others who
    may see the course 403, the rest 404."""

    def __init__(self, uow: CatalogReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, course_id: UUID, page: PageRequest) -> Page[StaffMember]:
        async with self._uow as uow:
            course = await visible_course(uow, actor, course_id)
        if not course.access(actor).reads_all:
            raise Forbidden("Only the course's instructors, its staff or an admin can see its staff")
        members = course.staff[page.offset : page.offset + page.page_size]
        return Page.of(members, len(course.staff), page)


class RemoveStaff:
    """The owner or an admin takes someone off the staff (204); someone not on it 404."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, stamp: CatalogStamp) -> None:
        self._uow, self._clock, self._stamp = uow, clock, stamp

    async def __call__(self, *, actor: Actor, course_id: UUID, user_id: UUID) -> None:
        async with changing(self._uow, self._stamp) as uow:
            await managed_course(uow, actor, course_id, owner=True)
            if not await uow.course_staff.remove(course_id, user_id):
                raise NotFound("Staff member not found")
            await uow.audit.record(
                entry_by(
                    actor,
                    AuditAction.STAFF_REMOVED,
                    at=self._clock.now(),
                    target_id=course_id,
                    user_id=user_id,
                )
            )
            await uow.commit()
