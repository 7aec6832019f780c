"""Schemathesis hooks for scripts/fuzz.py: sign in as the role under test.

The bearer token comes from ``POST /api/v1/auth/login``; it is fetched again after a 401
(the fuzzer may call ``/auth/logout`` with it, which revokes it) and every five minutes.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import schemathesis


@schemathesis.auth(refresh_interval=300)
class RoleLogin:
    def get(self, case: Any, ctx: Any) -> str:
        r = httpx.post(
            f"{os.environ['FUZZ_BASE_URL']}/api/v1/auth/login",
            json={"email": os.environ["FUZZ_EMAIL"], "password": os.environ["FUZZ_PASSWORD"]},
            timeout=30,
        )
        r.raise_for_status()
        return str(r.json()["access_token"])

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
