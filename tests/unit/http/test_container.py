"""The composition root: which unit of work each use case gets."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from dependency_injector import providers

from lms_domain.shared.ports import ReadOnlyUnitOfWork, UnitOfWork
from lms_http.container import Container, use_cases
from lms_http.settings import load_settings


@pytest.fixture
def container(tmp_path: Path) -> Container:
    return Container(settings=load_settings({"LMS_VAR_DIR": str(tmp_path)}, env_file=None))


def _unit_port(provider: providers.Factory[object]) -> type | None:
    return typing.get_type_hints(provider.cls.__init__).get("uow")


def test_use_cases_that_only_read_get_the_read_unit_of_work(container: Container) -> None:
    """A reader port has no commit(): the use case cannot write, so it may read without BEGIN."""
    wired = {}
    for name, provider in use_cases(container).items():
        port = _unit_port(provider)
        if port is None:
            continue
        assert ReadOnlyUnitOfWork in port.__mro__, name  # Protocols: no issubclass()
        reads_only = UnitOfWork not in port.__mro__
        wired[name] = provider.kwargs["uow"] is (container.read_uow if reads_only else container.uow)
    assert wired and all(wired.values()), [name for name, ok in wired.items() if not ok]
    assert {"authenticate_caller", "get_user", "list_courses", "get_quiz", "verify_certificate"} <= {
        name
        for name, provider in use_cases(container).items()
        if provider.kwargs.get("uow") is container.read_uow
    }


def test_readers_follow_an_embedders_unit_of_work(container: Container) -> None:
    class OwnUnit:
        pass

    container.uow.override(providers.Factory(OwnUnit))
    assert isinstance(container.read_uow(), OwnUnit)


async def test_sessions_are_read_with_the_rate_limit_count_only_from_the_store_in_use() -> None:
    from lms_adapters.local.counters import InProcessRateLimiter
    from lms_adapters.memory.sessions import MemorySessionStore
    from lms_adapters.redis.client import make_redis
    from lms_adapters.redis.counters import RedisRateLimiter
    from lms_adapters.redis.sessions import RedisSessionStore
    from lms_http.container import reading_limiter

    client, other = make_redis("redis://127.0.0.1:1/0"), make_redis("redis://127.0.0.1:1/1")  # never used
    limiter = RedisRateLimiter(client)
    assert reading_limiter(limiter, RedisSessionStore(client)) is limiter
    assert reading_limiter(limiter, RedisSessionStore(client, prefix="other")) is None
    assert reading_limiter(limiter, RedisSessionStore(other)) is None
    assert reading_limiter(limiter, MemorySessionStore()) is None  # an embedder's store
    assert reading_limiter(InProcessRateLimiter(), RedisSessionStore(client)) is None
    await client.aclose()
    await other.aclose()


def test_every_route_resolves_its_dependencies_one_after_another(container: Container) -> None:
    """No task group per request: each level of a route's dependencies holds one dependency, and
    each comes after the ones it depends on."""
    from lms_http.app import create_app

    app = create_app(container.settings(), container)
    widest = 0
    for route in app.routes:
        for _, model in getattr(route, "route_handler_map", {}).values():
            resolved: set[str] = set()
            for batch in model.dependency_batches:
                assert len(batch) == 1, (route.path, [d.key for d in batch])
                (dependency,) = batch
                assert {d.key for d in dependency.dependencies} <= resolved, (route.path, dependency.key)
                resolved.add(dependency.key)
            widest = max(widest, len(resolved))
    assert widest >= 3  # e.g. a use case, the caller's authentication and the actor it gives
