"""Random numbers from the operating system's generator."""

from __future__ import annotations

import secrets

__all__ = ["SystemRandomSource"]


class SystemRandomSource:
    def randbelow(self, n: int) -> int:
        return secrets.randbelow(n)
