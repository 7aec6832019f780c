"""Open Badges 3.0 over HTTP through the real app, on SQLite and on PostgreSQL + Redis.

Every credential is checked as served by ``openbadgeslib``'s OB 3.0 verifier (an independent
implementation: it resolves the issuer's did:key itself, checks the EdDSA signature, the VC-JWT
claims, and fetches and checks the signed status list through the app), and its signature again by
PyJWT with the key ``/issuer`` publishes."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from openbadgeslib.ob3 import OB3VerificationError, OB3Verifier
from sqlalchemy import create_engine, update

from lms_adapters.sql.tables import certificates
from lms_adapters.sql.urls import sync_url
from lms_domain.credentials.badges import STATUS_LIST_BITS, decode_status_list
from lms_http.settings import Settings
from tests.integration.catalog_support import V1, Cast, cast
from tests.integration.conftest import Api, outbox, racing_client
from tests.integration.test_certificates import enrollment, generate, learner

__all__ = ["cast", "learner"]  # fixtures

PUBLIC = "http://127.0.0.1:8000"  # the settings' LMS_PUBLIC_URL
ROUNDS = 3


async def issued(
    api: Api, cast: Cast, student: dict[str, str], title: str = "Python Basics"
) -> dict[str, Any]:
    _, enrollment_id = await enrollment(api, cast, student, title=title)
    r = await generate(api, student, enrollment_id)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def payload_of(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return decoded


async def verify(api: Api, token: str) -> Any:
    """``openbadgeslib``'s verdict on ``token``, the status list fetched from the app (the verifier
    runs in a thread; its fetches are answered on the test's loop)."""
    loop = asyncio.get_running_loop()
    fetched: list[str] = []

    def download(url: str) -> bytes:
        assert url.startswith(PUBLIC + "/api/v1/credentials/status/"), url
        fetched.append(url)
        answer = asyncio.run_coroutine_threadsafe(api.client.get(url.removeprefix(PUBLIC)), loop).result(10)
        assert answer.status_code == 200, answer.text
        return bytes(answer.content)

    def check() -> Any:
        issuer = payload_of(token)["iss"]
        return OB3Verifier.for_issuer_did(issuer).verify(token, check_status=True, download=download)

    verdict = await asyncio.to_thread(check)
    assert fetched, "the verifier did not fetch the status list"
    return verdict


async def status_bits(api: Api, list_number: int) -> set[int]:
    r = await api.client.get(f"{V1}/credentials/status/{list_number}")
    assert r.status_code == 200, r.text
    return decode_status_list(payload_of(r.text)["credentialSubject"]["encodedList"])


def forget_credential(settings: Settings | None, certificate_id: str) -> None:
    """What migration 0013 leaves on certificates issued before it: no credential, no place."""
    assert settings is not None
    engine = create_engine(sync_url(settings.database_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                update(certificates)
                .where(certificates.c.id == uuid.UUID(certificate_id))
                .values(credential=None, status_list=None, status_index=None)
            )
    finally:
        engine.dispose()


async def test_an_issued_certificate_has_a_credential_the_independent_verifier_accepts(
    api: Api, cast: Cast, learner: dict[str, str]
) -> None:
    cert = await issued(api, cast, learner)
    r = await api.client.get(f"{V1}/certificates/{cert['id']}/credential", headers=learner)
    assert r.status_code == 200, r.text
    served = r.json()
    assert set(served) == {"format", "jwt", "credential"} and served["format"] == "vc+jwt"
    token = served["jwt"]
    assert served["credential"] == payload_of(token)
    # the independent verifier: did:key resolved, signature, claims, the status list fetched
    verdict = await verify(api, token)
    assert verdict.id == f"urn:uuid:{cert['id']}"
    # the header, the claims and the parts the contract fixes
    issuer = (await api.client.get(f"{V1}/issuer")).json()
    did = issuer["id"]
    assert jwt.get_unverified_header(token) == {
        "alg": "EdDSA",
        "kid": f"{did}#{did.removeprefix('did:key:')}",
        "typ": "JWT",
    }
    key = jwt.PyJWK.from_json(json.dumps(issuer["publicKeyJwk"]))
    claims = jwt.decode(token, key=key, algorithms=["EdDSA"])
    assert claims == served["credential"]
    assert (claims["iss"], claims["jti"], "sub" in claims) == (did, claims["id"], False)
    assert claims["issuer"] == {"id": did, "type": ["Profile"], "name": "LMS", "url": PUBLIC}
    assert claims["name"] == "Python Basics"
    assert claims["credentialSubject"]["achievement"]["id"] == f"{PUBLIC}/api/v1/courses/{cert['course_id']}"
    [identity] = claims["credentialSubject"]["identifier"]
    me = (await api.client.get(f"{V1}/users/me", headers=learner)).json()
    digest = hashlib.sha256((me["email"] + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${digest}"
    assert me["email"] not in token and me["email"] not in json.dumps(claims)
    status = claims["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert status["statusListCredential"].startswith(f"{PUBLIC}/api/v1/credentials/status/")
    assert 0 <= int(status["statusListIndex"]) < STATUS_LIST_BITS
    # the same answer publicly by number, and to admins; no one else
    number = cert["certificate_number"]
    public = await api.client.get(f"{V1}/certificates/verify/{number}/credential")
    assert (public.status_code, public.json()) == (200, served)
    admin = await api.client.get(f"{V1}/certificates/{cert['id']}/credential", headers=cast.admin)
    assert (admin.status_code, admin.json()) == (200, served)
    for outsider in (cast.owner, cast.student):
        r = await api.client.get(f"{V1}/certificates/{cert['id']}/credential", headers=outsider)
        assert (r.status_code, r.json()) == (404, {"detail": "Certificate not found"})
    assert (await api.client.get(f"{V1}/certificates/{cert['id']}/credential")).status_code == 401
    r = await api.client.get(f"{V1}/certificates/verify/CERT-1999-000000/credential")
    assert r.status_code == 404
    # verification points at it
    shown = (await api.client.get(f"{V1}/certificates/verify/{number}")).json()
    assert (shown["valid"], shown["status"]) == (True, "active")
    assert shown["credential_url"] == f"{PUBLIC}/api/v1/certificates/verify/{number}/credential"


async def test_the_verifier_refuses_a_tampered_credential_and_another_key(
    api: Api, cast: Cast, learner: dict[str, str]
) -> None:
    cert = await issued(api, cast, learner)
    token = (await api.client.get(f"{V1}/certificates/{cert['id']}/credential", headers=learner)).json()[
        "jwt"
    ]
    header, _, signature = token.split(".")
    changed = {**payload_of(token), "name": "Advanced Python"}
    forged_body = base64.urlsafe_b64encode(json.dumps(changed).encode()).decode().rstrip("=")
    with pytest.raises(OB3VerificationError, match="signature"):
        await verify(api, f"{header}.{forged_body}.{signature}")
    stranger = Ed25519PrivateKey.generate()
    with pytest.raises(OB3VerificationError, match="signature"):
        await verify(api, jwt.encode(payload_of(token), stranger, algorithm="EdDSA", headers={"kid": "x"}))


async def test_revoking_sets_its_bit_only_and_the_verifier_then_refuses(
    api: Api, cast: Cast, learner: dict[str, str]
) -> None:
    cert = await issued(api, cast, learner)
    other = await issued(api, cast, learner, title="Other")
    token = (await api.client.get(f"{V1}/certificates/{cert['id']}/credential", headers=learner)).json()[
        "jwt"
    ]
    place = payload_of(token)["credentialStatus"]
    list_number = int(place["statusListCredential"].rsplit("/", 1)[1])
    before = await status_bits(api, list_number)
    url = f"{V1}/certificates/{cert['id']}/revoke"
    # who may: admins; its student 403; others 404; the body's rules 422
    r = await api.client.post(url, json={"reason": "Mine"}, headers=learner)
    assert (r.status_code, r.json()["detail"]) == (403, "Only an admin can revoke a certificate")
    for outsider in (cast.owner, cast.student):
        r = await api.client.post(url, json={"reason": "No"}, headers=outsider)
        assert (r.status_code, r.json()) == (404, {"detail": "Certificate not found"})
    assert (await api.client.post(url, json={"reason": "No"})).status_code == 401
    for bad in ({}, {"reason": ""}, {"reason": "x" * 501}, {"reason": 5}, {"reason": "  "}):
        assert (await api.client.post(url, json=bad, headers=cast.admin)).status_code == 422, bad
    unknown = f"{V1}/certificates/{uuid.uuid4()}/revoke"
    assert (await api.client.post(unknown, json={"reason": "x"}, headers=cast.admin)).status_code == 404
    r = await api.client.post(url, json={"reason": "Issued in error"}, headers=cast.admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["revocation_reason"] == "Issued in error" and body["revoked_at"]
    assert {k: v for k, v in body.items() if not k.startswith("revo")} == {
        k: v for k, v in cert.items() if not k.startswith("revo")
    }
    r = await api.client.post(url, json={"reason": "Again"}, headers=cast.admin)
    assert (r.status_code, r.json()) == (409, {"detail": "The certificate is revoked already"})
    # exactly its bit changed
    assert await status_bits(api, list_number) == before | {int(place["statusListIndex"])}
    # the verifier, verification, the credential, the PDF
    with pytest.raises(OB3VerificationError, match="revocation"):
        await verify(api, token)
    other_token = (
        await api.client.get(f"{V1}/certificates/{other['id']}/credential", headers=learner)
    ).json()
    assert (await verify(api, other_token["jwt"])).id == f"urn:uuid:{other['id']}"
    shown = (await api.client.get(f"{V1}/certificates/verify/{cert['certificate_number']}")).json()
    assert (shown["valid"], shown["status"]) == (False, "revoked")
    again = await api.client.get(f"{V1}/certificates/{cert['id']}/credential", headers=learner)
    assert again.json()["jwt"] == token  # still served; the status list says it is revoked
    download = f"{V1}/certificates/{cert['id']}/download"
    r = await api.client.get(download, headers=learner, follow_redirects=False)
    assert (r.status_code, r.json()) == (403, {"detail": "This certificate was revoked"})
    assert (await api.client.get(download, headers=cast.admin, follow_redirects=False)).status_code == 307
    mine = (await api.client.get(f"{V1}/certificates/{cert['id']}", headers=learner)).json()
    assert mine["revocation_reason"] == "Issued in error"
    assert outbox(api, "certificate.revoked") == [
        {
            "certificate_id": cert["id"],
            "certificate_number": cert["certificate_number"],
            "reason": "Issued in error",
        }
    ]


async def test_the_status_list_is_signed_cacheable_and_never_stale(
    api: Api, cast: Cast, learner: dict[str, str]
) -> None:
    cert = await issued(api, cast, learner)
    place = (await api.client.get(f"{V1}/certificates/verify/{cert['certificate_number']}/credential")).json()
    url = place["credential"]["credentialStatus"]["statusListCredential"].removeprefix(PUBLIC)
    r = await api.client.get(url)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vc+jwt")
    assert r.headers["cache-control"] == "public, max-age=60"
    etag = r.headers["etag"]
    issuer = (await api.client.get(f"{V1}/issuer")).json()
    key = jwt.PyJWK.from_json(json.dumps(issuer["publicKeyJwk"]))
    listed = jwt.decode(r.text, key=key, algorithms=["EdDSA"])
    assert jwt.get_unverified_header(r.text)["alg"] == "EdDSA"
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listed["issuer"]["id"] == listed["iss"] == issuer["id"]
    subject = listed["credentialSubject"]
    assert (subject["type"], subject["statusPurpose"]) == ("BitstringStatusList", "revocation")
    assert subject["encodedList"].startswith("u")
    # a client that has it asks again cheaply
    unchanged = await api.client.get(url, headers={"If-None-Match": etag})
    assert (unchanged.status_code, unchanged.content, unchanged.headers["etag"]) == (304, b"", etag)
    # after a revocation the next request sees it: a new body and ETag
    r = await api.client.post(
        f"{V1}/certificates/{cert['id']}/revoke", json={"reason": "x"}, headers=cast.admin
    )
    assert r.status_code == 200
    fresh = await api.client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag
    index = int(place["credential"]["credentialStatus"]["statusListIndex"])
    assert index in decode_status_list(payload_of(fresh.text)["credentialSubject"]["encodedList"])
    for unknown in ("999999", "abc", str(2**31 - 1)):  # no such list
        r = await api.client.get(f"{V1}/credentials/status/{unknown}")
        assert r.status_code == 404, (unknown, r.text)
    for outside in ("0", "-1", str(2**31), "99999999999999999999999"):  # no list can have that number
        r = await api.client.get(f"{V1}/credentials/status/{outside}")
        assert r.status_code == 422, (outside, r.text)


async def test_the_issuer_profile_is_public_and_its_key_file_is_made_once(
    api: Api, settings: Settings
) -> None:
    r = await api.client.get(f"{V1}/issuer")
    assert r.status_code == 200
    profile = r.json()
    assert set(profile) == {"id", "type", "name", "url", "publicKeyJwk"}
    assert profile["id"].startswith("did:key:z6Mk")  # an Ed25519 did:key
    assert (profile["type"], profile["name"], profile["url"]) == (["Profile"], "LMS", PUBLIC)
    assert set(profile["publicKeyJwk"]) == {"kty", "crv", "x"}  # the public part only
    assert (profile["publicKeyJwk"]["kty"], profile["publicKeyJwk"]["crv"]) == ("OKP", "Ed25519")
    key_file = settings.issuer_key_file
    assert key_file.stat().st_mode & 0o777 == 0o600
    # a second process on the same files signs with the same key
    from lms_http.app import create_app
    from lms_http.container import Container

    async with racing_client(create_app(settings, Container(settings=settings))) as second:
        assert (await second.get(f"{V1}/issuer")).json()["id"] == profile["id"]


async def test_a_key_given_in_settings_is_the_issuers(make_app: Any, settings: Settings) -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    async with racing_client(make_app(issuer_key=pem, issuer_name="Université Exemple")) as client:
        profile = (await client.get(f"{V1}/issuer")).json()
    x = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert profile["publicKeyJwk"] == {"kty": "OKP", "crv": "Ed25519", "x": x}
    assert profile["name"] == "Université Exemple"
    assert not settings.issuer_key_file.exists()  # nothing generated when a key is given


async def test_a_certificate_from_before_credentials_gets_one_on_first_request_once(
    api: Api, cast: Cast, learner: dict[str, str]
) -> None:
    for n in range(ROUNDS):
        cert = await issued(api, cast, learner, title=f"Course {n}")
        forget_credential(api.settings, cert["id"])
        urls = [f"{V1}/certificates/{cert['id']}/credential"] * 4
        public = [f"{V1}/certificates/verify/{cert['certificate_number']}/credential"] * 4
        answers = await asyncio.gather(
            *(api.client.get(u, headers=learner) for u in urls), *(api.client.get(u) for u in public)
        )
        assert [a.status_code for a in answers] == [200] * 8
        tokens = {a.json()["jwt"] for a in answers}
        assert len(tokens) == 1, f"round {n}: {len(tokens)} different credentials"
        [token] = tokens
        issued_at = cert["issued_at"]
        assert payload_of(token)["validFrom"] == issued_at[:19].replace("+00:00", "") + "Z"
        assert (await verify(api, token)).id == f"urn:uuid:{cert['id']}"


async def test_racing_certificates_take_distinct_places_and_racing_revocations_one(
    api: Api, cast: Cast
) -> None:
    for n in range(ROUNDS):
        students = [api.auth(await api.register()) for _ in range(6)]
        enrollments = [(await enrollment(api, cast, s, title=f"Round {n}"))[1] for s in students]
        answers = await asyncio.gather(
            *(generate(api, s, e) for s, e in zip(students, enrollments, strict=True))
        )
        assert [a.status_code for a in answers] == [201] * len(students)
        places = []
        for a, s in zip(answers, students, strict=True):
            served = await api.client.get(f"{V1}/certificates/{a.json()['id']}/credential", headers=s)
            status = served.json()["credential"]["credentialStatus"]
            places.append((status["statusListCredential"], status["statusListIndex"]))
        assert len(set(places)) == len(places), f"round {n}: a place shared"
        target = answers[0].json()
        revokes = await asyncio.gather(
            *(
                api.client.post(
                    f"{V1}/certificates/{target['id']}/revoke", json={"reason": f"r{i}"}, headers=cast.admin
                )
                for i in range(6)
            )
        )
        assert sorted(r.status_code for r in revokes) == [200] + [409] * 5, f"round {n}"
        kept = outbox(api, "certificate.revoked", certificate_id=target["id"])
        assert len(kept) == 1


async def test_openapi_documents_the_credential_endpoints(api: Api) -> None:
    paths = (await api.client.get("/openapi.json")).json()["paths"]
    expect = {
        ("/api/v1/certificates/{certificate_id}/credential", "get"): {"200", "401", "404"},
        ("/api/v1/certificates/verify/{certificate_number}/credential", "get"): {"200", "404"},
        ("/api/v1/certificates/{certificate_id}/revoke", "post"): {"200", "401", "403", "404", "409", "422"},
        ("/api/v1/certificates/{certificate_id}/download", "get"): {"307", "401", "403", "404"},
        ("/api/v1/credentials/status/{list_number}", "get"): {"200", "304", "404"},
        ("/api/v1/issuer", "get"): {"200"},
    }
    for (path, method), codes in expect.items():
        assert codes <= set(paths[path][method]["responses"]), (path, paths[path][method]["responses"].keys())
    for public in (
        "/api/v1/certificates/verify/{certificate_number}/credential",
        "/api/v1/credentials/status/{list_number}",
        "/api/v1/issuer",
    ):
        assert paths[public]["get"]["security"] == [], public
