"""/certificates over HTTP through the real app, on SQLite and on PostgreSQL + Redis: issuing
(once, also under concurrent calls), who may do what, the PDF behind the download (its QR code
read back by zbar), listing, and public verification that outlives the course."""

from __future__ import annotations

import asyncio
import io
import re
import unicodedata
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from lms_http.settings import Settings
from tests.integration.catalog_support import V1, Cast, cast, new_course, new_lesson, publish
from tests.integration.conftest import Api
from tests.qr import barcodes, require_zbar

__all__ = ["cast"]  # the fixture

STUDENT_NAME = "Zoë Łukasz"
NUMBER = re.compile(r"CERT-\d{4}-\d{6}")
FIELDS = {
    "id",
    "enrollment_id",
    "student_id",
    "course_id",
    "certificate_number",
    "issued_at",
    "course_title",
    "student_name",
    "revoked_at",
    "revocation_reason",
}


@pytest.fixture
async def learner(api: Api) -> dict[str, str]:
    return api.auth(await api.register(full_name=STUDENT_NAME))


async def enrollment(
    api: Api, cast: Cast, student: dict[str, str], *, title: str = "Python Basics", complete: bool = True
) -> tuple[str, str]:
    """(course id, enrollment id) of ``student`` in a new two-lesson course."""
    course = await new_course(api, cast.owner, title=title)
    lessons = [(await new_lesson(api, cast.owner, course["id"], title=f"L{i}"))["id"] for i in range(2)]
    await publish(api, cast.owner, course["id"])
    r = await api.client.post(f"{V1}/enrollments", json={"course_id": course["id"]}, headers=student)
    assert r.status_code == 201, r.text
    enrollment_id = r.json()["id"]
    for lesson_id in lessons if complete else lessons[:1]:
        r = await api.client.post(
            f"{V1}/enrollments/{enrollment_id}/lessons/{lesson_id}/complete", headers=student
        )
        assert r.status_code == 200, r.text
    return course["id"], enrollment_id


async def download(
    client: AsyncTestClient[Litestar] | httpx.AsyncClient, headers: dict[str, str], certificate_id: str
) -> Any:
    return await client.get(
        f"{V1}/certificates/{certificate_id}/download", headers=headers, follow_redirects=False
    )


async def generate(api: Api, headers: dict[str, str], enrollment_id: str) -> Any:
    return await api.client.post(
        f"{V1}/certificates/generate", json={"enrollment_id": enrollment_id}, headers=headers
    )


def stored_pdfs(settings: Settings) -> list[str]:
    root = settings.storage_dir
    return (
        sorted(p.name for p in root.iterdir() if p.name.startswith("certificate-")) if root.exists() else []
    )


async def test_generate_answers_201_then_200_with_the_same_certificate(
    api: Api, cast: Cast, learner: dict[str, str], settings: Settings
) -> None:
    course_id, enrollment_id = await enrollment(api, cast, learner)
    me = (await api.client.get(f"{V1}/users/me", headers=learner)).json()
    first = await generate(api, learner, enrollment_id)
    assert first.status_code == 201, first.text
    body = first.json()
    assert set(body) == FIELDS
    assert (body["enrollment_id"], body["course_id"], body["student_id"]) == (
        enrollment_id,
        course_id,
        me["id"],
    )
    assert (body["course_title"], body["student_name"]) == ("Python Basics", STUDENT_NAME)
    assert NUMBER.fullmatch(body["certificate_number"])
    assert body["certificate_number"][5:9] == body["issued_at"][:4]
    again = await generate(api, learner, enrollment_id)
    assert (again.status_code, again.json()) == (200, body)
    assert len(stored_pdfs(settings)) == 1


async def test_an_incomplete_enrollment_is_400(
    api: Api, cast: Cast, learner: dict[str, str], settings: Settings
) -> None:
    _, enrollment_id = await enrollment(api, cast, learner, complete=False)
    r = await generate(api, learner, enrollment_id)
    assert (r.status_code, r.json()) == (400, {"detail": "The course is not completed yet"})
    mine = (await api.client.get(f"{V1}/certificates/my-certificates", headers=learner)).json()
    assert mine["total"] == 0
    assert stored_pdfs(settings) == []


async def test_five_concurrent_generations_give_one_certificate(
    api: Api, cast: Cast, learner: dict[str, str], settings: Settings
) -> None:
    _, enrollment_id = await enrollment(api, cast, learner)
    results = await asyncio.gather(*(generate(api, learner, enrollment_id) for _ in range(5)))
    assert sorted(r.status_code for r in results) == [200, 200, 200, 200, 201], [r.text for r in results]
    assert len({r.json()["id"] for r in results}) == 1
    assert len({r.json()["certificate_number"] for r in results}) == 1
    mine = (await api.client.get(f"{V1}/certificates/my-certificates", headers=learner)).json()
    assert mine["total"] == 1 and mine["items"][0]["id"] == results[0].json()["id"]
    assert len(stored_pdfs(settings)) == 1  # the losers removed the PDFs they had written


async def test_who_may_generate_and_see_a_certificate(api: Api, cast: Cast, learner: dict[str, str]) -> None:
    _, enrollment_id = await enrollment(api, cast, learner)
    stranger = api.auth(await api.register())
    for who in (cast.owner, cast.admin):  # they may see the enrollment, not act for the student
        r = await generate(api, who, enrollment_id)
        assert (r.status_code, r.json()) == (
            403,
            {"detail": "Only the enrolled student can generate the certificate"},
        )
    for who in (stranger, cast.other):
        r = await generate(api, who, enrollment_id)
        assert (r.status_code, r.json()) == (404, {"detail": "Enrollment not found"})
    assert (await generate(api, {}, enrollment_id)).status_code == 401
    assert (await generate(api, learner, str(uuid.uuid4()))).status_code == 404
    assert (await generate(api, learner, "not-a-uuid")).status_code == 422
    r = await api.client.post(f"{V1}/certificates/generate", json={}, headers=learner)
    assert r.status_code == 422

    cert = (await generate(api, learner, enrollment_id)).json()
    for who in (learner, cast.admin):
        r = await api.client.get(f"{V1}/certificates/{cert['id']}", headers=who)
        assert (r.status_code, r.json()) == (200, cert)
        assert (await download(api.client, who, cert["id"])).status_code == 307
    for who in (cast.owner, stranger):
        for url in (f"{V1}/certificates/{cert['id']}", f"{V1}/certificates/{cert['id']}/download"):
            r = await api.client.get(url, headers=who, follow_redirects=False)
            assert (r.status_code, r.json()) == (404, {"detail": "Certificate not found"})
    assert (await api.client.get(f"{V1}/certificates/{cert['id']}")).status_code == 401
    assert (await api.client.get(f"{V1}/certificates/{uuid.uuid4()}", headers=cast.admin)).status_code == 404


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return unicodedata.normalize("NFC", "".join(page.extract_text() for page in reader.pages))


async def test_download_redirects_to_a_signed_url_of_the_real_pdf(
    api: Api, cast: Cast, learner: dict[str, str]
) -> None:
    _, enrollment_id = await enrollment(api, cast, learner, title="Data Science: Ñandú edition")
    cert = (await generate(api, learner, enrollment_id)).json()
    r = await download(api.client, learner, cert["id"])
    assert r.status_code == 307
    location = r.headers["location"]
    assert location.startswith(f"{V1}/files/blobs/certificate-")
    pdf = await api.client.get(location)  # no token: the signature is the permission
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert f'filename="certificate-{cert["certificate_number"]}.pdf"' in pdf.headers["content-disposition"]
    assert pdf.content.startswith(b"%PDF-")
    text = pdf_text(pdf.content)
    for expected in (
        STUDENT_NAME,
        "Data Science: Ñandú edition",
        cert["certificate_number"],
        cert["issued_at"][:10],
        f"http://127.0.0.1:8000/api/v1/certificates/verify/{cert['certificate_number']}",
    ):
        assert expected in text, expected
    # the PDF is rendered once and served from storage: a second download is the same bytes
    again = await api.client.get((await download(api.client, cast.admin, cert["id"])).headers["location"])
    assert again.content == pdf.content
    tampered = location.replace("signature=", "signature=0")
    assert (await api.client.get(tampered)).status_code == 403


@pytest.fixture
async def public_client(make_app: Callable[..., Litestar]) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=make_app(public_url="https://lms.example.org/school")) as c:
        yield c


async def test_the_pdf_links_to_verification_under_the_public_url(
    public_client: AsyncTestClient[Litestar], settings: Settings
) -> None:
    api = Api(public_client, settings)
    owner = api.auth(await api.user_with_role("instructor"))
    learner = api.auth(await api.register(full_name=STUDENT_NAME))
    fake_cast = Cast(owner=owner, other=owner, admin=owner, student=learner, anonymous={})
    _, enrollment_id = await enrollment(api, fake_cast, learner)
    cert = (await generate(api, learner, enrollment_id)).json()
    location = (await download(public_client, learner, cert["id"])).headers["location"]
    text = pdf_text((await public_client.get(location)).content)
    assert f"https://lms.example.org/school/api/v1/certificates/verify/{cert['certificate_number']}" in text


@pytest.mark.parametrize("public_url", ["http://127.0.0.1:8000", "https://lms.example.org/school"])
async def test_the_qr_code_of_the_downloaded_pdf_opens_its_verification(
    make_app: Callable[..., Litestar], settings: Settings, public_url: str
) -> None:
    require_zbar()  # before any work: skipped without zbar, failed under CI
    async with AsyncTestClient(app=make_app(public_url=public_url)) as client:
        api = Api(client, settings)
        owner = api.auth(await api.user_with_role("instructor"))
        learner = api.auth(await api.register(full_name=STUDENT_NAME))
        fake_cast = Cast(owner=owner, other=owner, admin=owner, student=learner, anonymous={})
        _, enrollment_id = await enrollment(api, fake_cast, learner, title="Data Science: Ñandú edition")
        cert = (await generate(api, learner, enrollment_id)).json()
        r = await download(client, learner, cert["id"])
        assert r.status_code == 307
        pdf = await client.get(r.headers["location"])
        assert pdf.status_code == 200
        url = f"{public_url}/api/v1/certificates/verify/{cert['certificate_number']}"
        assert barcodes(pdf.content) == [("QRCODE", url)]  # one symbol on the page, and nothing else
        # what a phone that scans it is shown: the public verification, without a token
        r = await client.get(url.removeprefix(public_url))
        assert (r.status_code, r.json()) == (
            200,
            {
                "valid": True,
                "status": "active",
                "certificate_number": cert["certificate_number"],
                "course_title": "Data Science: Ñandú edition",
                "student_name": STUDENT_NAME,
                "issued_at": cert["issued_at"],
                "credential_url": f"{url}/credential",
            },
        )


async def test_my_certificates_lists_the_callers_newest_first(
    api: Api, cast: Cast, learner: dict[str, str]
) -> None:
    issued = []
    for title in ("First", "Second", "Third"):
        _, enrollment_id = await enrollment(api, cast, learner, title=title)
        issued.append((await generate(api, learner, enrollment_id)).json())
    other = api.auth(await api.register())
    _, theirs = await enrollment(api, cast, other, title="Theirs")
    assert (await generate(api, other, theirs)).status_code == 201
    url = f"{V1}/certificates/my-certificates"
    page = (await api.client.get(url, params={"page_size": 2}, headers=learner)).json()
    assert (page["total"], page["page"], page["page_size"], page["pages"]) == (3, 1, 2, 2)
    second = (await api.client.get(url, params={"page": 2, "page_size": 2}, headers=learner)).json()
    listed = [*page["items"], *second["items"]]
    assert sorted(c["id"] for c in listed) == sorted(c["id"] for c in issued)
    assert [c["issued_at"] for c in listed] == sorted((c["issued_at"] for c in listed), reverse=True)
    assert all(set(c) == FIELDS for c in listed)
    assert (await api.client.get(url, headers=cast.admin)).json()["total"] == 0  # only one's own
    for bad in ({"page": 0}, {"page_size": 0}, {"page_size": 101}):
        assert (await api.client.get(url, params=bad, headers=learner)).status_code == 422
    assert (await api.client.get(url)).status_code == 401


async def test_verification_is_public_and_outlives_the_course(
    api: Api, cast: Cast, learner: dict[str, str]
) -> None:
    course_id, enrollment_id = await enrollment(api, cast, learner, title="Old Title")
    cert = (await generate(api, learner, enrollment_id)).json()
    verify = f"{V1}/certificates/verify/{cert['certificate_number']}"
    expected = {
        "valid": True,
        "status": "active",
        "certificate_number": cert["certificate_number"],
        "course_title": "Old Title",
        "student_name": STUDENT_NAME,
        "issued_at": cert["issued_at"],
        "credential_url": f"http://127.0.0.1:8000{verify}/credential",
    }
    r = await api.client.get(verify)  # no token
    assert (r.status_code, r.json()) == (200, expected)
    # renaming the course or the student changes nothing printed
    r = await api.client.patch(f"{V1}/courses/{course_id}", json={"title": "New Title"}, headers=cast.owner)
    assert r.status_code == 200
    r = await api.client.patch(f"{V1}/users/me", json={"full_name": "Someone Else"}, headers=learner)
    assert r.status_code == 200, r.text
    assert (await api.client.get(verify)).json() == expected
    # deleting the course keeps the certificate
    assert (await api.client.delete(f"{V1}/courses/{course_id}", headers=cast.owner)).status_code == 204
    r = await api.client.get(verify)
    assert (r.status_code, r.json()) == (200, expected)
    r = await api.client.get(f"{V1}/certificates/{cert['id']}", headers=learner)
    assert r.status_code == 200
    assert (r.json()["enrollment_id"], r.json()["course_id"]) == (None, None)
    assert r.json()["certificate_number"] == cert["certificate_number"]
    assert (await generate(api, learner, enrollment_id)).status_code == 404


@pytest.mark.parametrize(
    "number",
    ["CERT-1999-000000", "CERT-2026-12345", "cert-2026-123456", "CERT-2026-1234567", "nonsense", "x" * 300],
)
async def test_unknown_or_malformed_numbers_are_404(api: Api, number: str) -> None:
    r = await api.client.get(f"{V1}/certificates/verify/{number}")
    assert (r.status_code, r.json()) == (404, {"detail": "Certificate not found"})


async def test_openapi_documents_the_certificate_statuses(api: Api) -> None:
    paths = (await api.client.get("/openapi.json")).json()["paths"]
    expect = {
        ("/api/v1/certificates/generate", "post"): {"200", "201", "400", "401", "403", "404", "422"},
        ("/api/v1/certificates/my-certificates", "get"): {"200", "401", "422"},
        ("/api/v1/certificates/{certificate_id}", "get"): {"200", "401", "404"},
        ("/api/v1/certificates/{certificate_id}/download", "get"): {"307", "401", "404"},
        ("/api/v1/certificates/verify/{certificate_number}", "get"): {"200", "404"},
    }
    for (path, method), codes in expect.items():
        assert codes <= set(paths[path][method]["responses"]), (path, paths[path][method]["responses"].keys())
    assert paths["/api/v1/certificates/verify/{certificate_number}"]["get"]["security"] == []
