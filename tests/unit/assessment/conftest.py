from __future__ import annotations

import pytest

from lms_domain.shared.actors import Actor, Role
from tests.builders import actor
from tests.unit.assessment.harness import Assessment


@pytest.fixture
def lms() -> Assessment:
    return Assessment()


@pytest.fixture
def owner() -> Actor:
    return actor(Role.INSTRUCTOR)


@pytest.fixture
def admin() -> Actor:
    return actor(Role.ADMIN)


@pytest.fixture
def other_instructor() -> Actor:
    return actor(Role.INSTRUCTOR)
