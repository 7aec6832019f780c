"""What one try of sending something outward got: webhooks, the learning record store, mail."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TryOutcome"]


@dataclass(frozen=True, slots=True)
class TryOutcome:
    """What one try got: a status code (when the receiver answered) and an error (when it failed)."""

    status_code: int | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300
