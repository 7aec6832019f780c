"""Version stamps for one process (the embedded default: one worker, nothing shared)."""

from __future__ import annotations

import secrets

__all__ = ["InProcessStamps"]


class InProcessStamps:
    def __init__(self) -> None:
        self._stamps: dict[str, str] = {}

    async def current(self, name: str) -> str | None:
        return self._stamps.setdefault(name, secrets.token_hex(8))

    async def renew(self, name: str) -> bool:
        self._stamps[name] = secrets.token_hex(8)
        return True
