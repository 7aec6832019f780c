"""Open Badges 3.0: a certificate as an ``OpenBadgeCredential`` (a W3C Verifiable Credential) and
the ``BitstringStatusListCredential`` that tells whether it was revoked.

Pure values and functions: the documents are plain dicts (JSON-ready), signed by a
:class:`~lms_domain.credentials.ports.CredentialSigner` as VC-JWTs (OB 3.0 section 8.2).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

__all__ = [
    "CONTEXTS",
    "STATUS_LIST_BITS",
    "IssuerIdentity",
    "StatusEntry",
    "decode_status_list",
    "encode_status_list",
    "identity_hash",
    "jwt_payload",
    "open_badge_credential",
    "status_list_credential",
    "vc_jwt_claims",
]

CONTEXTS = (
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
)
STATUS_LIST_BITS = 131_072
"""Bits of every status list: the smallest size the Bitstring Status List spec allows, so that a
single index reveals nothing about how many certificates exist (its "herd privacy")."""


@dataclass(frozen=True, slots=True)
class IssuerIdentity:
    """Who signs: the DID of the signing key, the name and the web address shown to verifiers."""

    did: str
    name: str
    url: str

    def profile(self) -> dict[str, object]:
        return {"id": self.did, "type": ["Profile"], "name": self.name, "url": self.url}

    def status_list_url(self, list_number: int) -> str:
        return f"{self.url.rstrip('/')}/api/v1/credentials/status/{list_number}"

    def course_url(self, course_id: UUID | None, certificate_id: UUID) -> str:
        """The achievement's id: the course's address (the certificate's, once the course is gone)."""
        base = self.url.rstrip("/")
        if course_id is None:
            return f"{base}/api/v1/certificates/{certificate_id}"
        return f"{base}/api/v1/courses/{course_id}"


@dataclass(frozen=True, slots=True, order=True)
class StatusEntry:
    """A certificate's place in the revocation lists: list ``list_number`` (1, 2, ...), bit ``index``."""

    list_number: int
    index: int

    def __post_init__(self) -> None:
        if self.list_number < 1 or not 0 <= self.index < STATUS_LIST_BITS:
            raise ValueError("a status entry needs a list from 1 and an index within the list")


def _seconds(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _timestamp(moment: datetime) -> str:
    return _seconds(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def identity_hash(email: str, salt: str) -> str:
    """``sha256$<hex>`` of the address followed by the salt (OB 3.0 ``IdentityObject``)."""
    return "sha256$" + hashlib.sha256((email + salt).encode("utf-8")).hexdigest()


def open_badge_credential(
    *,
    certificate_id: UUID,
    course_id: UUID | None,
    course_title: str,
    issued_at: datetime,
    email: str,
    salt: str,
    issuer: IssuerIdentity,
    status: StatusEntry,
) -> dict[str, object]:
    """The ``OpenBadgeCredential`` of a certificate; the address appears only as a salted hash."""
    return {
        "@context": list(CONTEXTS),
        "id": f"urn:uuid:{certificate_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer.profile(),
        "validFrom": _timestamp(issued_at),
        "name": course_title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": identity_hash(email, salt),
                    "salt": salt,
                }
            ],
            "achievement": {
                "id": issuer.course_url(course_id, certificate_id),
                "type": ["Achievement"],
                "name": course_title,
                "description": f"Completion of the course “{course_title}”.",
                "criteria": {"narrative": "Complete every lesson of the course."},
            },
        },
        "credentialStatus": {
            "id": f"{issuer.status_list_url(status.list_number)}#{status.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status.index),
            "statusListCredential": issuer.status_list_url(status.list_number),
        },
    }


def encode_status_list(set_bits: Iterable[int], *, size: int = STATUS_LIST_BITS) -> str:
    """The ``encodedList``: GZIP of the bitstring (index 0 = the first byte's most significant
    bit), base64url without padding, behind the multibase prefix ``u``."""
    bits = bytearray(size // 8)
    for index in set_bits:
        if not 0 <= index < size:
            raise ValueError(f"status index {index} is outside the list")
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode_status_list(encoded: str) -> set[int]:
    """The set bits of an ``encodedList`` (the inverse of :func:`encode_status_list`)."""
    if not encoded.startswith("u"):
        raise ValueError("an encodedList starts with the multibase prefix 'u'")
    text = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    return {i * 8 + b for i, byte in enumerate(bits) for b in range(8) if byte & (0x80 >> b)}


def status_list_credential(
    *, issuer: IssuerIdentity, list_number: int, revoked: Iterable[int], valid_from: datetime
) -> dict[str, object]:
    """The ``BitstringStatusListCredential`` of one list, with the bits of revoked certificates set."""
    url = issuer.status_list_url(list_number)
    return {
        "@context": [CONTEXTS[0]],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.profile(),
        "validFrom": _timestamp(valid_from),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_status_list(revoked),
        },
    }


def vc_jwt_claims(credential: Mapping[str, object], *, issuer: IssuerIdentity) -> dict[str, object]:
    """The JWT payload of a VC-JWT (OB 3.0 section 8.2.4): the credential, ``iss`` its issuer,
    ``jti`` its id, ``nbf`` its ``validFrom`` in Unix seconds; no ``sub`` (the subject has no id)."""
    valid_from = datetime.strptime(str(credential["validFrom"]), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return {**credential, "iss": issuer.did, "jti": credential["id"], "nbf": int(valid_from.timestamp())}


def jwt_payload(token: str) -> dict[str, object]:
    """The payload of a compact JWS, read without checking the signature (the issuer signed what it
    stored; verifiers check it themselves)."""
    try:
        _, body, _ = token.split(".")
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError as e:
        raise ValueError("not a compact JWS") from e
    if not isinstance(payload, dict):
        raise ValueError("the JWS payload is not a JSON object")
    return payload
