"""A stamp that could not be renewed is renewed in the background as soon as its store answers."""

from __future__ import annotations

import asyncio

from lms_platform.stamps import StampRenewal


class FlakyStamps:
    """Fails (answers False, then raises) ``failures`` times, then renews."""

    def __init__(self, failures: int) -> None:
        self.failures, self.renewed = failures, 0

    async def current(self, name: str) -> str | None:
        return None

    async def renew(self, name: str) -> bool:
        if self.failures > 0:
            self.failures -= 1
            if self.failures % 2:
                return False
            raise ConnectionError("store gone")
        self.renewed += 1
        return True


async def test_a_renewal_that_works_is_done_at_once() -> None:
    stamps = FlakyStamps(failures=0)
    await StampRenewal(stamps, "catalog").renew()
    assert stamps.renewed == 1


async def test_a_failed_renewal_is_retried_until_the_store_answers() -> None:
    stamps = FlakyStamps(failures=3)
    await StampRenewal(stamps, "catalog", retry_seconds=0.01).renew()  # never raises
    assert stamps.renewed == 0
    for _ in range(100):
        if stamps.renewed:
            break
        await asyncio.sleep(0.01)
    assert (stamps.renewed, stamps.failures) == (1, 0)
