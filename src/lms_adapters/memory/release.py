"""Release rules and prerequisites in memory: the SQL schema's cascades for what they name."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from lms_adapters.memory.uow import MemoryState

__all__ = ["forget_courses", "forget_in_rules"]


def forget_in_rules(
    state: MemoryState, *, lesson_ids: Collection[UUID] = (), quiz_ids: Collection[UUID] = ()
) -> None:
    """Deleted lessons and quizzes leave every rule (as ``ON DELETE CASCADE`` does in SQL): the
    rules of deleted lessons go, and a rule left with nothing in it is no rule."""
    for lesson_id, rule in list(state.release_rules.items()):
        left = None if lesson_id in lesson_ids else rule.without(lesson_ids=lesson_ids, quiz_ids=quiz_ids)
        if left is None:
            del state.release_rules[lesson_id]
        else:
            state.release_rules[lesson_id] = left


def forget_courses(state: MemoryState, course_ids: Collection[UUID]) -> None:
    """Deleted courses leave every list of prerequisites, and their own lists go."""
    for course_id, prerequisites in list(state.course_prerequisites.items()):
        left = tuple(i for i in prerequisites if i not in course_ids)
        if course_id in course_ids or not left:
            del state.course_prerequisites[course_id]
        else:
            state.course_prerequisites[course_id] = left
