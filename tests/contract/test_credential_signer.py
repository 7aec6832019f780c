"""CredentialSigner (the Ed25519 adapter): its did:key as an independent implementation derives it,
signatures PyJWT checks with the published JWK, and a key file made once, even by racing starts."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from openbadgeslib.ob3 import did_key_from_pem

from lms_adapters.local.badge_signer import Ed25519CredentialSigner, did_key


def pem_of(key: Ed25519PrivateKey | rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_the_did_is_the_did_key_another_implementation_derives() -> None:
    for _ in range(20):  # keys whose base58 text starts differently
        key = Ed25519PrivateKey.generate()
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        signer = Ed25519CredentialSigner(key)
        assert signer.did == did_key_from_pem(public_pem)
        assert signer.did.startswith("did:key:z6Mk")
        assert signer.key_id == f"{signer.did}#{signer.did.removeprefix('did:key:')}"
    with pytest.raises(ValueError):
        did_key(b"\x00" * 31)


def test_signatures_check_with_the_public_jwk_and_the_header_is_exact() -> None:
    signer = Ed25519CredentialSigner(Ed25519PrivateKey.generate())
    token = signer.sign({"iss": signer.did, "name": "Zoë 李雷", "nbf": 1})
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "kid": signer.key_id, "typ": "JWT"}
    key = jwt.PyJWK.from_json(json.dumps(signer.public_jwk()))
    assert jwt.decode(token, key=key, algorithms=["EdDSA"]) == {
        "iss": signer.did,
        "name": "Zoë 李雷",
        "nbf": 1,
    }
    assert set(signer.public_jwk()) == {"kty", "crv", "x"}  # no private member ("d")
    other = jwt.PyJWK.from_json(
        json.dumps(Ed25519CredentialSigner(Ed25519PrivateKey.generate()).public_jwk())
    )
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, key=other, algorithms=["EdDSA"])


def test_a_key_given_as_pem_is_used_and_anything_else_refused() -> None:
    key = Ed25519PrivateKey.generate()
    assert Ed25519CredentialSigner.from_pem(pem_of(key)).did == Ed25519CredentialSigner(key).did
    with pytest.raises(ValueError, match="Ed25519"):
        Ed25519CredentialSigner.from_pem(
            pem_of(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        )
    with pytest.raises(ValueError, match="PEM"):
        Ed25519CredentialSigner.from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")


def test_the_key_file_is_made_once_private_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "var" / "issuer_key.pem"
    first = Ed25519CredentialSigner.load_or_create(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert Ed25519CredentialSigner.load_or_create(path).did == first.did
    assert Ed25519CredentialSigner.configured(None, path).did == first.did
    given = Ed25519PrivateKey.generate()
    assert Ed25519CredentialSigner.configured(pem_of(given), path).did == Ed25519CredentialSigner(given).did


def test_starts_racing_to_make_the_key_agree_on_one(tmp_path: Path) -> None:
    for n in range(5):
        path = tmp_path / f"round{n}" / "issuer_key.pem"
        with ThreadPoolExecutor(8) as pool:
            dids = {s.did for s in pool.map(Ed25519CredentialSigner.load_or_create, [path] * 8)}
        assert len(dids) == 1, f"round {n}: {len(dids)} keys"
        assert [p.name for p in path.parent.iterdir()] == ["issuer_key.pem"]  # no draft left behind
