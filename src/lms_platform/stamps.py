"""Version stamps: a token per name, replaced whenever what it guards may have changed.

Whoever keeps copies of something (the public catalog cache) stores the stamp it read with each
copy and uses the copy only while the stamp is unchanged. Whoever changes the thing renews the
stamp once the change is made, so copies made before it are never used again.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Stamps"]


class Stamps(Protocol):
    """A version stamp per name: ``current`` (None when unknown), ``renew`` on every change."""

    async def current(self, name: str) -> str | None: ...

    async def renew(self, name: str) -> bool:
        """Replace the stamp; False when the store did not answer."""
        ...
