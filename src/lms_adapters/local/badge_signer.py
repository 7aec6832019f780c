"""The issuer's Ed25519 key: VC-JWTs signed with PyJWT (``EdDSA``), the issuer named by the
``did:key`` of its public key.

The key is read from ``LMS_ISSUER_KEY`` (a PEM) when set, else from a file in ``LMS_VAR_DIR``
made on first start (mode 0600; of workers starting together, the first to link its key wins).
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = ["Ed25519CredentialSigner", "did_key"]

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB = b"\xed\x01"  # the multicodec prefix of an Ed25519 public key (varint 0xed)


def _base58btc(data: bytes) -> str:
    number, text = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        text = _BASE58[digit] + text
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + text


def did_key(public_key: bytes) -> str:
    """``did:key:z...`` of a raw 32-byte Ed25519 public key (multicodec, then base58btc)."""
    if len(public_key) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return "did:key:z" + _base58btc(_ED25519_PUB + public_key)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


class Ed25519CredentialSigner:
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self._public = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self._did = did_key(self._public)
        self._kid = f"{self._did}#{self._did.removeprefix('did:key:')}"

    @classmethod
    def from_pem(cls, pem: str | bytes) -> Ed25519CredentialSigner:
        data = pem.encode("utf-8") if isinstance(pem, str) else pem
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as e:
            raise ValueError(f"not an unencrypted PEM private key ({e})") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the issuer key must be an Ed25519 key")
        return cls(key)

    @classmethod
    def configured(cls, pem: str | None, path: Path) -> Ed25519CredentialSigner:
        """The key ``pem`` when given, else the one in ``path`` (made there on first use)."""
        return cls.from_pem(pem) if pem else cls.load_or_create(path)

    @classmethod
    def load_or_create(cls, path: Path) -> Ed25519CredentialSigner:
        """The key in ``path``, generated there first if missing: written to a file of its own,
        then linked into place, so a process never reads a half-written key and of processes
        starting together the first link wins."""
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
            try:
                os.link(draft, path)
            except FileExistsError:  # another process made it first: theirs is the key
                pass
            finally:
                draft.unlink()
        return cls.from_pem(path.read_bytes())

    @property
    def did(self) -> str:
        return self._did

    @property
    def key_id(self) -> str:
        return self._kid

    def public_jwk(self) -> dict[str, str]:
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(self._public)}

    def sign(self, claims: Mapping[str, object]) -> str:
        return jwt.encode(
            dict(claims), self._key, algorithm="EdDSA", headers={"kid": self._kid, "typ": "JWT"}
        )
