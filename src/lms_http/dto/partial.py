"""PATCH bodies: a field left out of the body is a field the change leaves alone."""

from __future__ import annotations

from typing import TypeVar

from msgspec import UnsetType

from lms_domain.shared.changes import UNCHANGED, Unchanged

__all__ = ["unchanged_if_unset"]

T = TypeVar("T")


def unchanged_if_unset(value: T | UnsetType) -> T | Unchanged:
    return UNCHANGED if isinstance(value, UnsetType) else value
