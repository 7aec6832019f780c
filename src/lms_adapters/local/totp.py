"""Time-based one-time passwords (RFC 6238) with pyotp."""

from __future__ import annotations

from datetime import datetime

import pyotp

__all__ = ["PyotpTotpService"]


class PyotpTotpService:
    def __init__(self, issuer: str = "LMS Backend", *, interval: int = 30) -> None:
        self._issuer, self._interval = issuer, interval

    def new_secret(self) -> str:
        return pyotp.random_base32()

    def provisioning_uri(self, secret: str, account: str) -> str:
        return pyotp.TOTP(secret, interval=self._interval).provisioning_uri(
            name=account, issuer_name=self._issuer
        )

    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        code = code.strip()
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            return None
        totp = pyotp.TOTP(secret, interval=self._interval)
        step = int(at.timestamp()) // self._interval
        for candidate in (step, step - 1, step + 1):  # one step of clock drift either way
            if pyotp.utils.strings_equal(totp.generate_otp(candidate), code):
                return candidate
        return None
