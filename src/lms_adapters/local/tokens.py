"""JSON Web Tokens with PyJWT, HS256 only."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from uuid import UUID

import jwt

from lms_domain.identity.ports import TokenClaims, TokenKind
from lms_domain.shared.errors import Unauthorized

__all__ = ["JwtTokenCodec"]

_ALGORITHM = "HS256"
_INVALID = "Could not validate credentials"
# Verified tokens remembered per process: a request decodes its token twice (rate limit, then
# authentication) and a client sends the same token for many requests. Bounded; oldest out first.
_VERIFIED_MAX = 4096


class JwtTokenCodec:
    def __init__(self, secret: str, *, issuer: str = "lms") -> None:
        if len(secret) < 32:
            raise ValueError("the signing secret must have at least 32 characters")
        self._secret, self._issuer = secret, issuer
        self._verified: dict[tuple[str, TokenKind], TokenClaims] = {}

    def encode(self, claims: TokenClaims) -> str:
        payload = {
            "sub": str(claims.subject),
            "jti": str(claims.token_id),
            "sid": str(claims.session_id),
            "type": claims.kind.value,
            "iss": self._issuer,
            "iat": int(claims.issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        return jwt.encode(payload, self._secret, algorithm=_ALGORITHM)

    def decode(self, token: str, kind: TokenKind) -> TokenClaims:
        """The signature is checked once per token; the expiry on every call, as PyJWT does."""
        key = (token, kind)
        known = self._verified.get(key)
        if known is not None:
            if known.expires_at.timestamp() <= time.time():
                self._verified.pop(key, None)
                raise Unauthorized(_INVALID)
            return known
        claims = self._verify(token, kind)
        if len(self._verified) >= _VERIFIED_MAX:
            self._verified.pop(next(iter(self._verified)), None)
        self._verified[key] = claims
        return claims

    def _verify(self, token: str, kind: TokenKind) -> TokenClaims:
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                issuer=self._issuer,
                options={"require": ["sub", "jti", "sid", "type", "iat", "exp"]},
            )
            if payload["type"] != kind.value:
                raise Unauthorized(_INVALID)
            return TokenClaims(
                subject=UUID(payload["sub"]),
                token_id=UUID(payload["jti"]),
                session_id=UUID(payload["sid"]),
                kind=kind,
                issued_at=datetime.fromtimestamp(payload["iat"], UTC),
                expires_at=datetime.fromtimestamp(payload["exp"], UTC),
            )
        except (jwt.PyJWTError, ValueError, TypeError, KeyError, OverflowError):
            raise Unauthorized(_INVALID) from None
