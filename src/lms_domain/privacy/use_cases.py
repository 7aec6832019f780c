"""Exporting a person's data: to themself, or to an admin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from uuid import UUID

from lms_domain.assessment.grading import round_hundredths
from lms_domain.learning.entities import progress_percentage
from lms_domain.privacy.ports import PrivacyUnitOfWork, Row
from lms_domain.shared.actors import Actor
from lms_domain.shared.audit import AuditAction, entry_by
from lms_domain.shared.errors import Forbidden, NotFound
from lms_domain.shared.ports import Clock

__all__ = ["ExportPersonalData", "PersonalData"]


@dataclass(frozen=True, slots=True)
class PersonalData:
    """Everything stored about a person but their credentials (GDPR Art. 15 access, Art. 20
    portability: a structured, machine-readable whole)."""

    profile: Row
    enrollments: Sequence[Row]
    attempts: Sequence[Row]
    certificates: Sequence[Row]
    files: Sequence[Row]
    staff_roles: Sequence[Row]
    audit_entries: Sequence[Row]


def _shown_points(attempt: Row) -> Row:
    """Each answer's ``points_earned`` as the attempt shows it (rounded to 2 decimals), not as it
    is stored (an exact fraction, ``"7/3"``, for partial credit)."""
    answers = attempt.get("answers")
    if not isinstance(answers, list):
        return attempt
    shown = []
    for answer in answers:
        points = answer.get("points_earned") if isinstance(answer, Mapping) else None
        if isinstance(points, int | str) and not isinstance(points, bool):
            answer = {**answer, "points_earned": round_hundredths(Fraction(points))}
        shown.append(answer)
    return {**attempt, "answers": shown}


def _with_progress(enrollment: Row) -> Row:
    completed = enrollment["completed_lesson_ids"]
    total = enrollment["total_lessons"]
    assert isinstance(completed, list) and isinstance(total, int)
    shown = {key: value for key, value in enrollment.items() if key != "total_lessons"}
    return {**shown, "progress_percentage": progress_percentage(len(completed), total)}


class ExportPersonalData:
    """A user's own data (``user_id`` their own), or anyone's for an admin (others 403); an unknown
    user 404. Read in one transaction, with its ``user.data_exported`` entry in the audit log."""

    def __init__(self, uow: PrivacyUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, *, actor: Actor, user_id: UUID) -> PersonalData:
        if user_id != actor.user_id and not actor.is_admin:
            raise Forbidden("Only admins can export another user's data")
        async with self._uow as uow:
            data = uow.personal_data
            profile = await data.profile(user_id)
            if profile is None:
                raise NotFound("User not found")
            exported = PersonalData(
                profile=profile,
                enrollments=[_with_progress(e) for e in await data.enrollments(user_id)],
                attempts=[_shown_points(a) for a in await data.attempts(user_id)],
                certificates=await data.certificates(user_id),
                files=await data.files(user_id),
                staff_roles=await data.staff_roles(user_id),
                audit_entries=await data.audit_entries(user_id),
            )
            await uow.audit.record(
                entry_by(actor, AuditAction.DATA_EXPORTED, at=self._clock.now(), target_id=user_id)
            )
            await uow.commit()
        return exported
