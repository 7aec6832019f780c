"""Progress through a course: the one rounding rule, shared by learning and the gradebook."""

from __future__ import annotations

__all__ = ["progress_percentage"]


def progress_percentage(completed: int, total: int) -> int:
    """completed / total x 100, rounded half up to a whole number; 0 without lessons.

    100 means every lesson is done: 199 of 200 (99.5) shows 99, not 100.
    """
    if total <= 0:
        return 0
    completed = max(0, min(completed, total))
    rounded = (200 * completed + total) // (2 * total)
    return rounded if completed == total else min(rounded, 99)
