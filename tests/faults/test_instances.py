"""Two app processes on different ports against one PostgreSQL, Redis and S3 store act as one service."""

from __future__ import annotations

import concurrent.futures
import uuid
from pathlib import Path

import httpx

from tests.conftest import S3_ACCESS_KEY, S3_SECRET_KEY, needs_pg, needs_redis
from tests.servers import serve

PASSWORD = "Correct7Horse"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cf"
    "c0f01f0005000201a2b1c3a90000000049454e44ae426082"
)


@needs_pg
@needs_redis
def test_two_instances_behave_as_one_service(
    pg_url: str, redis_url: str, s3_endpoint: str, tmp_path: Path
) -> None:
    shared = {
        "LMS_DATABASE_URL": pg_url,
        "LMS_REDIS_URL": redis_url,
        "LMS_SECRET_KEY": "instances-" + "s" * 40,
        "LMS_STORAGE_BACKEND": "minio",
        "LMS_MINIO_ENDPOINT": s3_endpoint,
        "LMS_MINIO_ACCESS_KEY": S3_ACCESS_KEY,
        "LMS_MINIO_SECRET_KEY": S3_SECRET_KEY,
        "LMS_MINIO_BUCKET": f"instances-{uuid.uuid4().hex[:8]}",
        "LMS_MINIO_SECURE": "false",
        # a day-long window, so the test never straddles a reset
        "LMS_RATE_LIMIT_AUTH": "12/day",
        "LMS_ADMIN_EMAIL": "root@example.com",
        "LMS_ADMIN_PASSWORD": "Admin7Secret",
    }
    with serve(tmp_path / "a", **shared) as a, serve(tmp_path / "b", **shared) as b:
        root = httpx.post(
            f"{a.url}/api/v1/auth/login", json={"email": "root@example.com", "password": "Admin7Secret"}
        )
        assert root.status_code == 200, root.text  # both instances ensured the same admin at startup
        admin = {"Authorization": f"Bearer {root.json()['access_token']}"}

        # revocation: logout on A, refused on B
        r = httpx.post(
            f"{a.url}/api/v1/auth/register",
            json={"email": "one@example.com", "password": PASSWORD, "full_name": "One"},
        )
        assert r.status_code == 201
        auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
        assert httpx.get(f"{b.url}/api/v1/users/me", headers=auth).status_code == 200
        assert httpx.post(f"{a.url}/api/v1/auth/logout", headers=auth).status_code == 204
        assert httpx.get(f"{b.url}/api/v1/users/me", headers=auth).status_code == 401

        # lockout: five failures spread over both, the sixth attempt is locked on either
        wrong = {"email": "one@example.com", "password": "Wrong7Horse"}
        codes = [
            httpx.post(f"{(a, b)[i % 2].url}/api/v1/auth/login", json=wrong).status_code for i in range(5)
        ]
        assert codes == [401] * 5
        right = {"email": "one@example.com", "password": PASSWORD}
        assert httpx.post(f"{b.url}/api/v1/auth/login", json=right).status_code == 423

        # rate limit: 12 logins a day per client across both instances; 7 used above
        more = [
            httpx.post(
                f"{(a, b)[i % 2].url}/api/v1/auth/login",
                json={"email": "nobody@example.com", "password": PASSWORD},
            ).status_code
            for i in range(6)
        ]
        assert more == [401] * 5 + [429]

        # enrollment conflict: the same enrollment sent to both at once is created once
        student = httpx.post(
            f"{b.url}/api/v1/auth/register",
            json={"email": "two@example.com", "password": PASSWORD, "full_name": "Two"},
        ).json()
        s_auth = {"Authorization": f"Bearer {student['access_token']}"}
        course = httpx.post(
            f"{a.url}/api/v1/courses", headers=admin, json={"title": "Shared", "description": "x"}
        )
        assert course.status_code == 201, course.text
        course_id = course.json()["id"]
        assert httpx.post(f"{b.url}/api/v1/courses/{course_id}/publish", headers=admin).status_code == 200

        # the public catalog: B keeps its anonymous answer until a write on A has answered
        assert [httpx.get(f"{b.url}/api/v1/courses/{course_id}").headers["x-cache"] for _ in range(2)] == [
            "miss",
            "hit",
        ]
        renamed = httpx.patch(f"{a.url}/api/v1/courses/{course_id}", headers=admin, json={"title": "Renamed"})
        assert renamed.status_code == 200, renamed.text
        assert httpx.get(f"{b.url}/api/v1/courses/{course_id}").json()["title"] == "Renamed"
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            results = list(
                pool.map(
                    lambda i: (
                        httpx.post(
                            f"{(a, b)[i % 2].url}/api/v1/enrollments",
                            headers=s_auth,
                            json={"course_id": course_id},
                        ).status_code
                    ),
                    range(6),
                )
            )
        assert sorted(results) == [201] + [409] * 5

        # files: uploaded through A, downloaded through a URL handed out by B
        up = httpx.post(
            f"{a.url}/api/v1/files/upload",
            headers=s_auth,
            files={"file": ("dot.png", PNG, "application/octet-stream")},
        )
        assert up.status_code == 201, up.text
        link = httpx.get(f"{b.url}/api/v1/files/{up.json()['id']}/download", headers=s_auth)
        assert link.status_code == 307
        got = httpx.get(link.headers["location"])
        assert (got.status_code, got.content) == (200, PNG)
