"""Anonymous catalog reads come from memory, and never show what a finished write changed."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient

from lms_domain.catalog.use_cases import CourseChanges
from lms_domain.shared.actors import Actor, Role
from lms_http.container import Container
from lms_http.settings import Settings
from tests.integration.catalog_support import V1, Cast, cast, new_course, new_lesson, publish
from tests.integration.conftest import Api, racing_client

__all__ = ["cast"]


async def test_an_anonymous_read_is_kept_and_a_catalog_write_ends_it(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner, title="Cached Course")
    await publish(api, cast.owner, course["id"])
    page, detail = f"{V1}/courses?q=Cached", f"{V1}/courses/{course['id']}"

    first = await api.client.get(page)
    again = await api.client.get(page)
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    assert again.json() == first.json() and again.json()["total"] == 1
    assert again.headers["content-type"] == first.headers["content-type"]
    assert "x-content-type-options" in again.headers  # the outer layers still run on a hit
    assert (await api.client.get(detail)).headers["x-cache"] == "miss"
    assert (await api.client.get(detail)).headers["x-cache"] == "hit"

    r = await api.client.patch(
        f"{V1}/courses/{course['id']}", json={"title": "Cached Course 2"}, headers=cast.owner
    )
    assert r.status_code == 200, r.text
    fresh = await api.client.get(page)
    assert fresh.headers["x-cache"] == "miss" and fresh.json()["items"][0]["title"] == "Cached Course 2"
    assert (await api.client.get(detail)).json()["title"] == "Cached Course 2"

    lesson = await new_lesson(api, cast.owner, course["id"], title="Added later")
    outline = (await api.client.get(detail)).json()["lessons"]
    assert [item["id"] for item in outline] == [lesson["id"]]
    r = await api.client.delete(f"{V1}/lessons/{lesson['id']}", headers=cast.owner)
    assert r.status_code == 204, r.text
    assert (await api.client.get(detail)).json()["lessons"] == []

    r = await api.client.delete(f"{V1}/courses/{course['id']}", headers=cast.owner)
    assert r.status_code == 204, r.text
    assert (await api.client.get(detail)).status_code == 404
    assert (await api.client.get(page)).json()["total"] == 0


async def test_only_anonymous_successful_reads_are_kept(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner, title="Draft Only")
    detail = f"{V1}/courses/{course['id']}"
    for _ in range(2):  # a draft is 404 to anonymous callers, every time from the database
        r = await api.client.get(detail)
        assert r.status_code == 404 and r.headers["x-cache"] == "miss"
    for _ in range(2):  # the owner sees the draft; signed-in reads never touch the cache
        r = await api.client.get(detail, headers=cast.owner)
        assert r.status_code == 200 and "x-cache" not in r.headers
    for _ in range(2):  # bad input is answered, not kept
        r = await api.client.get(f"{V1}/courses?page=0")
        assert r.status_code == 422 and r.headers["x-cache"] == "miss"


async def test_writes_elsewhere_do_not_end_the_catalog_answers(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner, title="Stable")
    await publish(api, cast.owner, course["id"])
    detail = f"{V1}/courses/{course['id']}"
    await api.client.get(detail)
    r = await api.client.post(f"{V1}/enrollments", json={"course_id": course["id"]}, headers=cast.student)
    assert r.status_code == 201, r.text
    assert (await api.client.get(detail)).headers["x-cache"] == "hit"


async def test_a_failed_catalog_write_still_ends_the_kept_answers(
    client: AsyncTestClient[Litestar], api: Api, cast: Cast
) -> None:
    course = await new_course(api, cast.owner, title="Kept")
    await publish(api, cast.owner, course["id"])
    detail = f"{V1}/courses/{course['id']}"
    await client.get(detail)
    r = await client.patch(f"{V1}/courses/{course['id']}", json={"title": "x"}, headers=cast.other)
    assert r.status_code == 403
    assert (await client.get(detail)).headers["x-cache"] == "miss"  # cautious: any catalog write renews


async def test_a_catalog_write_that_does_not_come_by_http_ends_the_kept_answers(
    make_app: Callable[..., Litestar], settings: Settings
) -> None:
    """The use cases renew the stamp, not the HTTP layer: an embedder calling one, or (with Redis)
    the command line in a process of its own, leaves no stale answer behind."""
    app = make_app()
    async with racing_client(app) as client:
        api = Api(client, settings)
        owner = api.auth(await api.user_with_role("instructor"))
        course = await new_course(api, owner, title="Kept Outside")
        await publish(api, owner, course["id"])
        detail = f"{V1}/courses/{course['id']}"
        me = (await client.get(f"{V1}/users/me", headers=owner)).json()
        who = Actor(user_id=UUID(me["id"]), role=Role.INSTRUCTOR)
        containers = [app.state.container]
        if settings.redis_url:  # a second process's container shares the stamp through Redis
            containers.append(Container(settings=settings))
        for n, container in enumerate(containers):
            await client.get(detail)
            assert (await client.get(detail)).headers["x-cache"] == "hit"
            await container.update_course()(
                actor=who, course_id=UUID(course["id"]), changes=CourseChanges(title=f"Renamed {n}")
            )
            fresh = await client.get(detail)
            assert (fresh.headers["x-cache"], fresh.json()["title"]) == ("miss", f"Renamed {n}")
        for other in containers[1:]:
            await other.redis().aclose()
            await other.engine().dispose()
