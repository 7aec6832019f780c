"""What certificates need from the outside world."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["CertificateRenderer", "CertificateView"]


@dataclass(frozen=True, slots=True)
class CertificateView:
    """Everything a printed certificate shows."""

    student_name: str
    course_title: str
    certificate_number: str
    issued_at: datetime
    verification_url: str


class CertificateRenderer(Protocol):
    async def render(self, view: CertificateView) -> bytes:
        """A PDF document (its bytes). Implementations keep the work off the event loop."""
        ...
