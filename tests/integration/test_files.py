"""/files over HTTP through the real app: streamed uploads, sniffing, limits, ownership and
signed downloads, on SQLite and on PostgreSQL + Redis, with local storage (and S3 once)."""

from __future__ import annotations

import hashlib
import os
import re
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lms_adapters.local.blobs import LocalBlobStorage
from lms_http.settings import Settings
from tests.conftest import S3_ACCESS_KEY, S3_SECRET_KEY, free_port, wait_for_http
from tests.integration.conftest import Api

PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + os.urandom(5000) + b"\n%%EOF\n"
)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + os.urandom(2000)
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + os.urandom(2000)


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00\x00\xff\x00" * 2)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


async def upload(
    api: Api, tokens: dict[str, Any], name: str, data: bytes, ctype: str = "application/pdf"
) -> Any:
    return await api.client.post(
        "/api/v1/files/upload", files={"file": (name, data, ctype)}, headers=api.auth(tokens)
    )


def raw_multipart(filename: bytes, data: bytes, *, before: bytes = b"") -> tuple[bytes, dict[str, str]]:
    body = (
        before
        + b'--XyZbound\r\nContent-Disposition: form-data; name="file"; filename="'
        + filename
        + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
        + data
        + b"\r\n--XyZbound--\r\n"
    )
    return body, {"Content-Type": "multipart/form-data; boundary=XyZbound"}


def stored_files(settings: Settings) -> list[str]:
    root = Path(settings.storage_dir)
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


async def follow(client: AsyncTestClient[Litestar] | httpx.AsyncClient, response: Any) -> Any:
    assert response.status_code == 307, response.text
    return await client.get(response.headers["location"])


async def test_pdf_round_trip(api: Api, settings: Settings) -> None:
    me = await api.register()
    r = await upload(api, me, "report.pdf", PDF)
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {
        "id",
        "original_filename",
        "stored_filename",
        "file_size",
        "content_type",
        "uploaded_at",
    }
    assert (body["original_filename"], body["file_size"], body["content_type"]) == (
        "report.pdf",
        len(PDF),
        "application/pdf",
    )
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", body["stored_filename"])
    assert body["uploaded_at"].endswith(("Z", "+00:00"))
    assert stored_files(settings) == [body["stored_filename"]]

    got = await api.client.get(f"/api/v1/files/{body['id']}", headers=api.auth(me))
    assert (got.status_code, got.json()) == (200, body)

    redirect = await api.client.get(
        f"/api/v1/files/{body['id']}/download", headers=api.auth(me), follow_redirects=False
    )
    location = redirect.headers["location"]
    assert location.startswith(f"/api/v1/files/blobs/{body['stored_filename']}?")
    expires = int(parse_qs(urlsplit(location).query)["expires"][0])
    assert 290 <= expires - time.time() <= 301
    download = await follow(api.client, redirect)
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert (
        download.headers["content-disposition"]
        == "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    )
    assert download.headers["x-content-type-options"] == "nosniff"


async def test_png_type_comes_from_the_content_not_the_name_or_header(api: Api) -> None:
    me = await api.register()
    png = png_bytes()
    r = await upload(api, me, "holiday.txt", png, ctype="text/plain")
    assert r.status_code == 201, r.text
    assert (r.json()["content_type"], r.json()["original_filename"]) == ("image/png", "holiday.txt")
    assert r.json()["stored_filename"].endswith(".png")
    download = await follow(
        api.client,
        await api.client.get(
            f"/api/v1/files/{r.json()['id']}/download", headers=api.auth(me), follow_redirects=False
        ),
    )
    assert (download.content, download.headers["content-type"]) == (png, "image/png")


async def test_text_and_csv(api: Api) -> None:
    me = await api.register()
    csv = await upload(
        api, me, "grades.csv", "name,score\nZoë,9\n".encode(), ctype="application/octet-stream"
    )
    assert (csv.status_code, csv.json()["content_type"]) == (201, "text/csv")
    assert csv.json()["stored_filename"].endswith(".csv")
    text = await upload(api, me, "notes", b"just some notes\n", ctype="application/pdf")
    assert (text.status_code, text.json()["content_type"]) == (201, "text/plain")
    # valid text at the start, a NUL far past the sniffed head: still refused
    sneaky = await upload(api, me, "sneaky.txt", b"a" * 200_000 + b"\x00" + b"b" * 10)
    assert sneaky.status_code == 415


@pytest.mark.parametrize(
    ("name", "data"), [("invoice.pdf", ELF), ("setup.pdf", PE), ("photo.png", b"\x00\x01\x02garbage")]
)
async def test_disguised_executables_are_415_and_nothing_is_kept(
    api: Api, settings: Settings, name: str, data: bytes
) -> None:
    me = await api.register()
    r = await upload(api, me, name, data, ctype="application/pdf")
    assert (r.status_code, r.json()) == (415, {"detail": "This type of file is not accepted"})
    assert (await api.client.get("/api/v1/files", headers=api.auth(me))).json()["total"] == 0
    assert stored_files(settings) == []


async def test_size_limit_is_413_and_nothing_is_kept(
    make_app: Callable[..., Litestar], settings: Settings
) -> None:
    async with AsyncTestClient(app=make_app(max_upload_bytes=10_000)) as client:
        api = Api(client, settings)
        me = await api.register()
        r = await upload(api, me, "big.pdf", PDF[:10] + b"x" * 10_000)
        assert r.status_code == 413
        assert r.json()["detail"] == "The file is larger than 10000 bytes"
        # far larger than the limit: refused too, also when the body is bigger than the JSON limit
        r = await upload(api, me, "huge.pdf", PDF[:10] + b"x" * (3 * 1024 * 1024))
        assert r.status_code == 413
        assert (await client.get("/api/v1/files", headers=api.auth(me))).json()["total"] == 0
        assert stored_files(settings) == []
        exact = await upload(api, me, "exact.pdf", PDF[:10] + b"x" * 9_990)
        assert (exact.status_code, exact.json()["file_size"]) == (201, 10_000)


async def test_default_limit_allows_bodies_beyond_one_mebibyte(api: Api) -> None:
    me = await api.register()
    data = PDF[:10] + os.urandom(3 * 1024 * 1024)
    r = await upload(api, me, "three-mb.pdf", data)
    assert (r.status_code, r.json()["file_size"]) == (201, len(data))


@pytest.mark.parametrize(
    ("sent", "kept", "fallback"),
    [
        (b"../../etc/passwd", "passwd", "passwd"),
        (b"..\\\\..\\\\windows\\\\system32\\\\evil.pdf", "evil.pdf", "evil.pdf"),
        (b"C:\\\\Users\\\\me\\\\report.pdf", "report.pdf", "report.pdf"),
        (b'say \\"hi\\".pdf', 'say "hi".pdf', "say hi.pdf"),
        ("Отчёт 2024 ñ.pdf".encode(), "Отчёт 2024 ñ.pdf", "2024 n.pdf"),
        ("李雷.pdf".encode(), "李雷.pdf", "pdf"),
        (b"tab\tbell\x07.pdf", "tabbell.pdf", "tabbell.pdf"),
        (b"..", "file", "file"),
        (b"x" * 300 + b".pdf", "x" * 255, "x" * 255),
    ],
)
async def test_original_names_are_sanitised(api: Api, sent: bytes, kept: str, fallback: str) -> None:
    me = await api.register()
    body, headers = raw_multipart(sent, PDF)
    r = await api.client.post("/api/v1/files/upload", content=body, headers={**headers, **api.auth(me)})
    assert r.status_code == 201, r.text
    assert r.json()["original_filename"] == kept
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", r.json()["stored_filename"])
    download = await follow(
        api.client,
        await api.client.get(
            f"/api/v1/files/{r.json()['id']}/download", headers=api.auth(me), follow_redirects=False
        ),
    )
    assert download.content == PDF
    disposition = download.headers["content-disposition"]
    from urllib.parse import quote

    assert disposition == f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(kept, safe='')}"


async def test_newlines_in_a_browser_encoded_name_never_reach_a_header(api: Api) -> None:
    me = await api.register()
    r = await upload(api, me, 'two\nlines "q".pdf', PDF)  # browsers send these percent-encoded
    assert r.status_code == 201
    name = r.json()["original_filename"]
    assert "\n" not in name and '"' not in name
    download = await follow(
        api.client,
        await api.client.get(
            f"/api/v1/files/{r.json()['id']}/download", headers=api.auth(me), follow_redirects=False
        ),
    )
    assert "\n" not in download.headers["content-disposition"]


async def test_other_fields_are_ignored_and_missing_file_is_422(api: Api) -> None:
    me = await api.register()
    before = b'--XyZbound\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n'
    body, headers = raw_multipart(b"a.pdf", PDF, before=before)
    r = await api.client.post("/api/v1/files/upload", content=body, headers={**headers, **api.auth(me)})
    assert (r.status_code, r.json()["file_size"]) == (201, len(PDF))
    only_note = before + b"--XyZbound--\r\n"
    r = await api.client.post("/api/v1/files/upload", content=only_note, headers={**headers, **api.auth(me)})
    assert (r.status_code, r.json()) == (
        422,
        {"detail": [{"loc": ["body", "file"], "msg": "Field required", "type": "missing"}]},
    )
    r = await api.client.post("/api/v1/files/upload", json={"file": "x"}, headers=api.auth(me))
    assert r.status_code == 415
    r = await api.client.post("/api/v1/files/upload", files={"file": ("a.pdf", PDF, "application/pdf")})
    assert r.status_code == 401


async def test_other_users_get_404_admins_see_everything(api: Api, settings: Settings) -> None:
    owner, other, admin = await api.register(), await api.register(), await api.user_with_role("admin")
    file_id = (await upload(api, owner, "mine.pdf", PDF)).json()["id"]
    intruder = api.auth(other)
    for method, path in (
        ("GET", f"/api/v1/files/{file_id}"),
        ("GET", f"/api/v1/files/{file_id}/download"),
        ("DELETE", f"/api/v1/files/{file_id}"),
    ):
        r = await api.client.request(method, path, headers=intruder)
        assert (r.status_code, r.json()) == (404, {"detail": "File not found"}), path
    assert (await api.client.get("/api/v1/files", headers=intruder)).json()["total"] == 0
    assert len(stored_files(settings)) == 1
    listed = (await api.client.get("/api/v1/files", headers=api.auth(admin))).json()
    assert [f["id"] for f in listed["items"]] == [file_id]
    download = await follow(
        api.client,
        await api.client.get(
            f"/api/v1/files/{file_id}/download", headers=api.auth(admin), follow_redirects=False
        ),
    )
    assert download.content == PDF
    assert (await api.client.delete(f"/api/v1/files/{file_id}", headers=api.auth(admin))).status_code == 204
    assert stored_files(settings) == []


async def test_delete_removes_row_and_bytes(api: Api, settings: Settings) -> None:
    me = await api.register()
    file_id = (await upload(api, me, "bye.pdf", PDF)).json()["id"]
    location = (
        await api.client.get(
            f"/api/v1/files/{file_id}/download", headers=api.auth(me), follow_redirects=False
        )
    ).headers["location"]
    r = await api.client.delete(f"/api/v1/files/{file_id}", headers=api.auth(me))
    assert (r.status_code, r.content) == (204, b"")
    assert (await api.client.get(f"/api/v1/files/{file_id}", headers=api.auth(me))).status_code == 404
    assert (await api.client.delete(f"/api/v1/files/{file_id}", headers=api.auth(me))).status_code == 404
    assert stored_files(settings) == []
    assert (await api.client.get(location)).status_code == 404


async def test_listing_is_own_newest_first_and_paginated(api: Api) -> None:
    me, other = await api.register(), await api.register()
    ids = [(await upload(api, me, f"f{i}.pdf", PDF)).json()["id"] for i in range(3)]
    await upload(api, other, "theirs.pdf", PDF)
    r = await api.client.get("/api/v1/files", headers=api.auth(me), params={"page_size": 2})
    body = r.json()
    assert (body["total"], body["page"], body["page_size"], body["pages"]) == (3, 1, 2, 2)
    page2 = (
        await api.client.get("/api/v1/files", headers=api.auth(me), params={"page": 2, "page_size": 2})
    ).json()
    assert {f["id"] for f in body["items"] + page2["items"]} == set(ids)
    times = [f["uploaded_at"] for f in body["items"] + page2["items"]]
    assert times == sorted(times, reverse=True)
    for params in ({"page_size": 0}, {"page_size": 101}, {"page": 0}):
        assert (await api.client.get("/api/v1/files", headers=api.auth(me), params=params)).status_code == 422


async def test_tampered_and_expired_signatures_are_403(api: Api, settings: Settings) -> None:
    me = await api.register()
    body = (await upload(api, me, "secret.pdf", PDF)).json()
    location = (
        await api.client.get(
            f"/api/v1/files/{body['id']}/download", headers=api.auth(me), follow_redirects=False
        )
    ).headers["location"]
    path, query = location.split("?", 1)
    params = {k: v[0] for k, v in parse_qs(query).items()}
    for change in (
        {"signature": "0" * 64},
        {"signature": params["signature"][:-1] + ("0" if params["signature"][-1] != "0" else "1")},
        {"expires": str(int(params["expires"]) + 3600)},
        {"type": "text/html"},
        {"name": "other.pdf"},
    ):
        r = await api.client.get(f"{path}?{urlencode({**params, **change})}")
        assert (r.status_code, r.json()) == (403, {"detail": "Invalid download signature"}), change
    other_key = f"/api/v1/files/blobs/{'0' * 32}.pdf?{query}"
    assert (await api.client.get(other_key)).status_code == 403
    expired_signer = LocalBlobStorage(
        settings.storage_dir, settings.secret_key, now=lambda: time.time() - 301
    )
    expired = await expired_signer.download_url(
        body["stored_filename"],
        filename="secret.pdf",
        content_type="application/pdf",
        expires_in=timedelta(minutes=5),
    )
    r = await api.client.get(expired)
    assert (r.status_code, r.json()) == (403, {"detail": "The download link has expired"})
    missing = {k: v for k, v in params.items() if k != "signature"}
    assert (await api.client.get(f"{path}?{urlencode(missing)}")).status_code == 422


# the S3 store wired into the app, against a moto server over HTTP


async def test_s3_backend_round_trip(
    make_app: Callable[..., Litestar], settings: Settings, s3_endpoint: str
) -> None:
    bucket = f"app-{os.urandom(6).hex()}"
    app = make_app(
        storage_backend="minio",
        minio_endpoint=s3_endpoint,
        minio_access_key=S3_ACCESS_KEY,
        minio_secret_key=S3_SECRET_KEY,
        minio_bucket=bucket,
        minio_secure=False,
        max_upload_bytes=6 * 1024 * 1024,
    )
    from lms_adapters.minio.blobs import make_minio

    s3 = make_minio(s3_endpoint, S3_ACCESS_KEY, S3_SECRET_KEY, secure=False, region="us-east-1")
    async with AsyncTestClient(app=app) as client:
        api = Api(client, settings)
        me = await api.register()
        data = PDF[:12] + os.urandom(2 * 1024 * 1024)
        r = await api.client.post(
            "/api/v1/files/upload",
            files={"file": ("Zoë's notes.pdf", data, "application/octet-stream")},
            headers=api.auth(me),
        )
        assert r.status_code == 201, r.text
        stored = r.json()["stored_filename"]
        assert [o.object_name for o in s3.list_objects(bucket)] == [stored]
        redirect = await client.get(
            f"/api/v1/files/{r.json()['id']}/download", headers=api.auth(me), follow_redirects=False
        )
        assert redirect.status_code == 307
        url = redirect.headers["location"]
        assert url.startswith(f"http://{s3_endpoint}/{bucket}/{stored}?")
        async with httpx.AsyncClient() as http:
            got = await http.get(url)
        assert got.status_code == 200
        assert got.content == data
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["content-disposition"] == (
            "attachment; filename=\"Zoe's notes.pdf\"; filename*=UTF-8''Zo%C3%AB%27s%20notes.pdf"
        )
        too_big = await upload(api, me, "big.pdf", PDF[:12] + os.urandom(7 * 1024 * 1024))
        assert too_big.status_code == 413
        assert [o.object_name for o in s3.list_objects(bucket)] == [stored]
        assert s3._list_multipart_uploads(bucket).uploads == []
        assert (
            await client.delete(f"/api/v1/files/{r.json()['id']}", headers=api.auth(me))
        ).status_code == 204
        assert list(s3.list_objects(bucket)) == []
        assert (await client.get("/api/v1/files", headers=api.auth(me))).json()["total"] == 0


# a 20 MB file through a real server process: memory must not grow by the file's size


def _peak_rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    peak = re.search(r"VmHWM:\s+(\d+) kB", status)
    assert peak is not None
    return int(peak.group(1)) * 1024


async def _multipart_stream(name: str, data: bytes, piece: int = 256 * 1024) -> AsyncIterator[bytes]:
    yield (
        b'--XyZbound\r\nContent-Disposition: form-data; name="file"; filename="'
        + name.encode()
        + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
    )
    for i in range(0, len(data), piece):
        yield data[i : i + piece]
    yield b"\r\n--XyZbound--\r\n"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to read the server's memory")
async def test_20_mb_round_trip_streams_without_buffering(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        LMS_DATABASE_URL=settings.database_url,
        LMS_SECRET_KEY=settings.secret_key,
        LMS_STORAGE_DIR=str(settings.storage_dir),
        LMS_VAR_DIR=str(tmp_path / "var"),
        LMS_ARGON2_MEMORY_KIB="1024",
        LMS_ARGON2_TIME_COST="1",
        LMS_RATE_LIMIT_AUTH="1000/minute",
        LMS_RATE_LIMIT_DEFAULT="100000/minute",
    )
    if settings.redis_url:
        env["LMS_REDIS_URL"] = settings.redis_url
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "lms_http.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=tmp_path,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/api/v1/health", server)
        data = PDF[:12] + os.urandom(20 * 1024 * 1024)
        headers = {"Content-Type": "multipart/form-data; boundary=XyZbound"}
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            r = await http.post(
                "/api/v1/auth/register",
                json={"email": "big@example.com", "password": "Correct7Horse", "full_name": "Big"},
            )
            headers["Authorization"] = f"Bearer {r.json()['access_token']}"
            warm = await http.post(
                "/api/v1/files/upload", content=_multipart_stream("w.pdf", PDF), headers=headers
            )
            assert warm.status_code == 201, warm.text
            Path(f"/proc/{server.pid}/clear_refs").write_text("5")  # reset the peak to the current size
            before = _peak_rss(server.pid)
            r = await http.post(
                "/api/v1/files/upload", content=_multipart_stream("big.pdf", data), headers=headers
            )
            assert r.status_code == 201, r.text
            assert r.json()["file_size"] == len(data)
            redirect = await http.get(f"/api/v1/files/{r.json()['id']}/download", headers=headers)
            assert redirect.status_code == 307
            digest = hashlib.sha256()
            async with http.stream("GET", redirect.headers["location"]) as download:
                assert download.status_code == 200
                assert download.headers["content-length"] == str(len(data))
                async for piece in download.aiter_bytes():
                    digest.update(piece)
            growth = _peak_rss(server.pid) - before
        assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
        assert growth < len(data) // 4, f"the server's peak memory grew by {growth} bytes"
    finally:
        server.terminate()
        server.wait(15)
