"""Readiness: whether a backing service answers now."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["Probe", "Readiness"]


class Probe(Protocol):
    async def ping(self) -> None:
        """Return once the service has answered a trivial request; raise when it does not."""
        ...


@dataclass(frozen=True, slots=True)
class Readiness:
    """The services the application needs to answer: the database always, Redis when configured."""

    database: Probe
    redis: Probe | None = None
