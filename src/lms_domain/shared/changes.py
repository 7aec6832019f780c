"""Partial changes of entities: one marker for a field left alone, and one way to apply them.

A change is a frozen dataclass whose fields are those of the entity it changes, each either a
new value (``None`` included, for nullable fields) or ``UNCHANGED``. ``apply_changes`` gives the
entity with the new values, validated as a whole by the entity's ``validated()``, the same rules
its factory applies; the entity it was given is left as it was.

Entities are validated where they are made (factories) and where they change (here), never when
they are built from stored rows: a rule made stricter later must not turn stored rows into errors.
"""

from __future__ import annotations

from dataclasses import fields, replace
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Final, Protocol, Self, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["UNCHANGED", "Unchanged", "Validated", "apply_changes", "changed_fields"]


class Unchanged(Enum):
    """Marks a field a change leaves alone (distinct from ``None``, which may be a value to set)."""

    UNCHANGED = "unchanged"


UNCHANGED: Final = Unchanged.UNCHANGED


class Validated(Protocol):
    """An entity (a dataclass) that checks its own rules."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    def validated(self) -> Self:
        """This entity, normalized (texts trimmed, ...), if every field keeps its rules; else
        ``InvalidField`` for the first that does not."""
        ...


E = TypeVar("E", bound=Validated)


def changed_fields(changes: DataclassInstance) -> dict[str, Any]:
    """The fields a change sets, with their new values."""
    return {f.name: value for f in fields(changes) if (value := getattr(changes, f.name)) is not UNCHANGED}


def apply_changes(entity: E, changes: DataclassInstance, **fixed: Any) -> E:
    """``entity`` with the fields ``changes`` sets and the ``fixed`` ones (``updated_at``),
    validated as a whole: nothing applies unless all of it keeps the rules."""
    return replace(entity, **changed_fields(changes), **fixed).validated()
