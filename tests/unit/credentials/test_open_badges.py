"""Open Badges 3.0 on in-memory adapters: the credential a certificate is issued with, its place
in a revocation list, revocation, the status list, and certificates issued before credentials.

The JWTs are checked with PyJWT against the issuer's published JWK, not with the signer itself."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms_domain.credentials.badges import (
    CONTEXTS,
    STATUS_LIST_BITS,
    StatusEntry,
    decode_status_list,
    encode_status_list,
    identity_hash,
    jwt_payload,
)
from lms_domain.credentials.entities import Certificate
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.errors import Conflict, Forbidden, InvalidField, NotFound
from lms_domain.shared.events import EventType
from tests.unit.credentials.harness import Credentials, ScriptedRandom


def checked(c: Credentials, token: str) -> dict[str, Any]:
    """The payload of ``token`` once its signature is checked with the published public key."""
    jwk = (c.badges.profile())["publicKeyJwk"]
    key = jwt.PyJWK.from_json(json.dumps(jwk))
    # the tests' clock runs ahead of the wall clock, so "not before" is not checked here
    payload: dict[str, Any] = jwt.decode(token, key=key, algorithms=["EdDSA"], options={"verify_nbf": False})
    return payload


async def issued(c: Credentials, title: str = "Python Basics") -> tuple[Actor, Certificate]:
    owner, learner = c.user(Role.INSTRUCTOR), c.user(full_name="Grace Hopper")
    _, enrollment_id = await c.enrollment(owner, learner, title=title)
    return learner, (await c.generate(actor=learner, enrollment_id=enrollment_id)).certificate


async def test_a_certificate_is_issued_with_its_signed_open_badge_credential() -> None:
    c = Credentials()
    learner, cert = await issued(c)
    assert cert.credential is not None and cert.status is not None
    header = jwt.get_unverified_header(cert.credential)
    did = c.signer.did
    assert header == {"alg": "EdDSA", "kid": f"{did}#{did.removeprefix('did:key:')}", "typ": "JWT"}
    payload = checked(c, cert.credential)
    assert payload == jwt_payload(cert.credential)
    assert payload["@context"] == list(CONTEXTS)
    assert payload["id"] == f"urn:uuid:{cert.id}" == payload["jti"]
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["issuer"] == {
        "id": did,
        "type": ["Profile"],
        "name": "Example LMS",
        "url": "https://lms.example.com",
    }
    assert payload["iss"] == did and "sub" not in payload
    assert payload["validFrom"] == cert.issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert payload["nbf"] == int(cert.issued_at.replace(microsecond=0).timestamp())
    assert payload["name"] == "Python Basics"
    subject = payload["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"] and "id" not in subject
    [identity] = subject["identifier"]
    email = c.state.users[learner.user_id].email
    assert identity == {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": "sha256$" + hashlib.sha256((email + identity["salt"]).encode()).hexdigest(),
        "salt": identity["salt"],
    }
    assert len(identity["salt"]) == 32
    achievement = subject["achievement"]
    assert achievement["id"] == f"https://lms.example.com/api/v1/courses/{cert.course_id}"
    assert achievement["type"] == ["Achievement"] and achievement["name"] == "Python Basics"
    assert achievement["description"] and achievement["criteria"]["narrative"]
    status_url = f"https://lms.example.com/api/v1/credentials/status/{cert.status.list_number}"
    assert payload["credentialStatus"] == {
        "id": f"{status_url}#{cert.status.index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(cert.status.index),
        "statusListCredential": status_url,
    }
    assert email not in json.dumps(payload)  # the address only as a salted hash
    # stored with the certificate, and served as stored
    stored = c.state.certificates[cert.id]
    assert (stored.credential, stored.status) == (cert.credential, cert.status)
    served = await c.credential(actor=learner, certificate_id=cert.id)
    assert (served.jwt, served.credential) == (cert.credential, payload)


async def test_the_credential_is_for_its_student_and_admins_and_public_by_number() -> None:
    c = Credentials()
    _, cert = await issued(c)
    admin = c.user(Role.ADMIN)
    assert (await c.credential(actor=admin, certificate_id=cert.id)).jwt == cert.credential
    for other in (c.user(), c.user(Role.INSTRUCTOR)):
        with pytest.raises(NotFound):
            await c.credential(actor=other, certificate_id=cert.id)
    public = await c.public_credential(certificate_number=cert.certificate_number)
    assert public.jwt == cert.credential
    for number in ("CERT-1999-000000", "nonsense"):
        with pytest.raises(NotFound):
            await c.public_credential(certificate_number=number)


async def test_each_certificate_takes_a_free_place_drawn_at_random() -> None:
    c = Credentials()
    # the second certificate draws the first one's place twice before a free one
    c.badge_random = ScriptedRandom([500, 1, 500, 2, 500, 3, 900, 4])
    _, first = await issued(c, "First")
    _, second = await issued(c, "Second")
    assert first.status == StatusEntry(1, 500)
    assert second.status == StatusEntry(1, 900)


async def test_a_list_whose_draws_all_hit_taken_places_opens_the_next_one() -> None:
    c = Credentials()
    c.badge_random = ScriptedRandom([42])  # always the same place (and salt)
    statuses = [(await issued(c, f"Course {i}"))[1].status for i in range(3)]
    # list 1's place 42 is taken at every try of the second certificate: list 2; then list 3
    assert statuses == [StatusEntry(1, 42), StatusEntry(2, 42), StatusEntry(3, 42)]


async def test_revoking_is_for_admins_once_and_records_the_event() -> None:
    c = Credentials()
    learner, cert = await issued(c)
    admin = c.user(Role.ADMIN)
    with pytest.raises(Forbidden):
        await c.revoke(actor=learner, certificate_id=cert.id, reason="Mine")
    for outsider in (c.user(), c.user(Role.INSTRUCTOR)):
        with pytest.raises(NotFound):
            await c.revoke(actor=outsider, certificate_id=cert.id, reason="No")
    for reason in ("", "   ", "x" * 501):
        with pytest.raises(InvalidField):
            await c.revoke(actor=admin, certificate_id=cert.id, reason=reason)
    c.clock.advance(days=2)
    revoked = await c.revoke(actor=admin, certificate_id=cert.id, reason="Academic misconduct")
    assert (revoked.revoked_at, revoked.revocation_reason) == (c.clock.now(), "Academic misconduct")
    assert c.state.certificates[cert.id].revoked_at == c.clock.now()
    with pytest.raises(Conflict):
        await c.revoke(actor=admin, certificate_id=cert.id, reason="Again")
    events = [e for e in c.state.events.values() if e.type is EventType.CERTIFICATE_REVOKED]
    assert [e.data for e in events] == [
        {
            "certificate_id": str(cert.id),
            "certificate_number": cert.certificate_number,
            "reason": "Academic misconduct",
        }
    ]
    # the credential itself does not change; verification says it is revoked
    assert (await c.credential(actor=learner, certificate_id=cert.id)).jwt == cert.credential
    assert (await c.verify(certificate_number=cert.certificate_number)).revoked
    # the PDF: admins still, its student no longer
    assert await c.download_url(actor=admin, certificate_id=cert.id)
    with pytest.raises(Forbidden):
        await c.download_url(actor=learner, certificate_id=cert.id)
    with pytest.raises(NotFound):
        await c.revoke(actor=admin, certificate_id=c.ids.new_id(), reason="Unknown")


async def test_the_status_list_sets_exactly_the_bits_of_revoked_certificates() -> None:
    c = Credentials()
    certificates = [(await issued(c, f"Course {i}"))[1] for i in range(4)]
    admin = c.user(Role.ADMIN)
    before = checked(c, await c.status_list(list_number=1))
    assert before["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert before["issuer"]["id"] == before["iss"] == c.signer.did
    assert before["id"] == before["jti"] == "https://lms.example.com/api/v1/credentials/status/1"
    subject = before["credentialSubject"]
    assert (subject["type"], subject["statusPurpose"]) == ("BitstringStatusList", "revocation")
    assert decode_status_list(subject["encodedList"]) == set()
    # a list with no revocation is valid from its first certificate's issue time
    assert before["validFrom"] == certificates[0].issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    c.clock.advance(hours=1)
    for cert in certificates[1:3]:
        await c.revoke(actor=admin, certificate_id=cert.id, reason="Wrongly issued")
    after = checked(c, await c.status_list(list_number=1))
    revoked = {cert.status.index for cert in certificates[1:3] if cert.status}
    assert decode_status_list(after["credentialSubject"]["encodedList"]) == revoked
    assert after["validFrom"] == c.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    # the same state signs the same document (clients' ETags stay valid until a revocation)
    assert await c.status_list(list_number=1) == await c.status_list(list_number=1)
    for unknown in (0, -1, 2, 10**9):
        with pytest.raises(NotFound):
            await c.status_list(list_number=unknown)


async def test_a_certificate_issued_before_credentials_gets_one_on_first_request() -> None:
    c = Credentials()
    learner, cert = await issued(c)
    old = c.state.certificates[cert.id]
    old.credential, old.status = None, None  # as migration 0013 leaves older certificates
    c.clock.advance(days=30)
    first = await c.credential(actor=learner, certificate_id=cert.id)
    assert first.credential["validFrom"] == cert.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert checked(c, first.jwt) == first.credential
    stored = c.state.certificates[cert.id]
    assert stored.credential == first.jwt and stored.status is not None
    # signed once: later requests, by anyone allowed, get the same one
    assert (await c.public_credential(certificate_number=cert.certificate_number)).jwt == first.jwt
    assert (await c.credential(actor=learner, certificate_id=cert.id)).jwt == first.jwt


async def test_of_two_first_requests_for_an_older_certificate_the_first_signature_stays() -> None:
    c = Credentials()
    learner, cert = await issued(c)
    old = c.state.certificates[cert.id]
    old.credential, old.status = None, None
    stale = Certificate(**vars(old))  # what a second request read before the first one wrote
    first = await c.credential(actor=learner, certificate_id=cert.id)
    credentials = c.credential
    second = await credentials._credentials.of(stale)
    assert second.jwt == first.jwt


def test_identity_hash_is_sha256_of_address_and_salt() -> None:
    expected = hashlib.sha256(b"ada@example.com" + b"0f" * 16).hexdigest()
    assert identity_hash("ada@example.com", "0f" * 16) == f"sha256${expected}"


@given(st.sets(st.integers(0, STATUS_LIST_BITS - 1), max_size=200))
def test_status_lists_round_trip_and_keep_their_size(bits: set[int]) -> None:
    encoded = encode_status_list(bits)
    assert encoded.startswith("u") and "=" not in encoded
    assert decode_status_list(encoded) == bits
    import base64
    import gzip

    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) * 8 == STATUS_LIST_BITS


def test_index_zero_is_the_first_bytes_most_significant_bit() -> None:
    import base64
    import gzip

    encoded = encode_status_list({0, 9})
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert raw[:2] == bytes([0b1000_0000, 0b0100_0000]) and not any(raw[2:])
    with pytest.raises(ValueError):
        encode_status_list({STATUS_LIST_BITS})


def test_status_entries_stay_within_a_list() -> None:
    with pytest.raises(ValueError):
        StatusEntry(0, 1)
    with pytest.raises(ValueError):
        StatusEntry(1, STATUS_LIST_BITS)
    assert StatusEntry(3, STATUS_LIST_BITS - 1).index == STATUS_LIST_BITS - 1


def test_issue_times_are_whole_seconds_in_utc() -> None:
    from lms_domain.credentials.badges import IssuerIdentity, open_badge_credential

    moment = datetime(2026, 3, 1, 12, 30, 15, 999_999, tzinfo=UTC) + timedelta(hours=0)
    credential = open_badge_credential(
        certificate_id=__import__("uuid").UUID(int=1),
        course_id=None,
        course_title="T",
        issued_at=moment,
        email="a@b.c",
        salt="00",
        issuer=IssuerIdentity("did:key:z", "N", "https://x"),
        status=StatusEntry(1, 0),
    )
    assert credential["validFrom"] == "2026-03-01T12:30:15Z"
    # once the course is gone, the achievement is named by the certificate's address
    assert credential["credentialSubject"]["achievement"]["id"] == (  # type: ignore[index]
        "https://x/api/v1/certificates/00000000-0000-0000-0000-000000000001"
    )
