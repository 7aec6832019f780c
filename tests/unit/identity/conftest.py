from __future__ import annotations

import pytest

from lms_adapters.local.counters import InProcessLoginThrottle
from lms_adapters.local.tokens import JwtTokenCodec
from lms_adapters.local.totp import PyotpTotpService
from lms_adapters.memory.sessions import MemorySessionStore
from lms_adapters.memory.uow import MemoryState
from lms_domain.identity import use_cases as uc
from tests.builders import FixedClock, SequentialIds
from tests.unit.identity.harness import Identity


@pytest.fixture
def identity() -> Identity:
    return Identity(
        state=MemoryState(),
        clock=FixedClock(),
        sessions=MemorySessionStore(),
        codec=JwtTokenCodec("k" * 32),
        totp=PyotpTotpService(),
        throttle=InProcessLoginThrottle(),
        policy=uc.AuthPolicy(),
        ids=SequentialIds(),
    )
