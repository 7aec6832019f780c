"""PasswordHasher (argon2id), TokenCodec (PyJWT) and TotpService (pyotp) adapters."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pyotp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms_adapters.local.passwords import Argon2PasswordHasher
from lms_adapters.local.tokens import JwtTokenCodec
from lms_adapters.local.totp import PyotpTotpService
from lms_domain.identity.ports import TokenClaims, TokenKind
from lms_domain.shared.errors import Unauthorized

SECRET = "s" * 40
codec = JwtTokenCodec(SECRET)


def claims(kind: TokenKind = TokenKind.ACCESS, minutes: int = 15) -> TokenClaims:
    now = datetime.now(UTC).replace(microsecond=0)
    return TokenClaims(
        subject=uuid.uuid4(),
        token_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        kind=kind,
        issued_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )


async def test_argon2id_hashes_verify_and_differ() -> None:
    hasher = Argon2PasswordHasher(memory_cost=1024, time_cost=1)
    a, b = await asyncio.gather(hasher.hash("Secret7Pass"), hasher.hash("Secret7Pass"))
    assert a.startswith("$argon2id$") and a != b
    assert await hasher.verify(a, "Secret7Pass")
    assert not await hasher.verify(a, "secret7pass")
    assert not await hasher.verify("not-a-hash", "Secret7Pass")


def test_default_parameters_follow_owasp() -> None:
    h = Argon2PasswordHasher()
    params = h._argon  # the configured argon2-cffi hasher
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19 * 1024, 2, 1)


@settings(max_examples=30)
@given(st.sampled_from(list(TokenKind)), st.integers(min_value=1, max_value=10_000))
def test_token_round_trip(kind: TokenKind, minutes: int) -> None:
    c = claims(kind, minutes)
    assert codec.decode(codec.encode(c), kind) == c


def test_wrong_kind_expired_tampered_and_foreign_tokens_are_refused() -> None:
    good = codec.encode(claims())
    with pytest.raises(Unauthorized):
        codec.decode(good, TokenKind.REFRESH)
    with pytest.raises(Unauthorized):
        codec.decode(codec.encode(claims(minutes=-1)), TokenKind.ACCESS)
    head, body, sig = good.split(".")
    with pytest.raises(Unauthorized):
        codec.decode(f"{head}.{body}.{sig[:-2]}AA", TokenKind.ACCESS)
    with pytest.raises(Unauthorized):
        JwtTokenCodec("t" * 40).decode(good, TokenKind.ACCESS)
    with pytest.raises(Unauthorized):
        codec.decode("garbage", TokenKind.ACCESS)


def test_alg_none_and_other_algorithms_are_refused() -> None:
    payload = jwt.decode(codec.encode(claims()), options={"verify_signature": False})
    unsigned = (
        base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
        + "."
        + base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
        + "."
    )
    with pytest.raises(Unauthorized):
        codec.decode(unsigned, TokenKind.ACCESS)
    hs512 = jwt.encode(payload, SECRET, algorithm="HS512")
    with pytest.raises(Unauthorized):
        codec.decode(hs512, TokenKind.ACCESS)


def test_missing_claims_are_refused() -> None:
    payload = jwt.decode(codec.encode(claims()), options={"verify_signature": False})
    del payload["jti"]
    with pytest.raises(Unauthorized):
        codec.decode(jwt.encode(payload, SECRET, algorithm="HS256"), TokenKind.ACCESS)


def test_totp_accepts_current_and_adjacent_steps_only() -> None:
    service = PyotpTotpService()
    secret = service.new_secret()
    totp = pyotp.TOTP(secret)
    now = datetime.now(UTC)
    step = int(now.timestamp()) // 30
    assert service.matching_step(secret, totp.at(now), now) == step
    assert service.matching_step(secret, totp.at(now - timedelta(seconds=30)), now) == step - 1
    assert service.matching_step(secret, totp.at(now - timedelta(seconds=120)), now) is None
    assert service.matching_step(secret, "12345", now) is None
    assert service.matching_step(secret, "abcdef", now) is None
    assert "issuer=LMS%20Backend" in service.provisioning_uri(secret, "ann@example.com")


def test_a_remembered_token_is_still_refused_for_the_wrong_kind_or_once_expired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c = claims(minutes=1)
    token = codec.encode(c)
    assert codec.decode(token, TokenKind.ACCESS) == c
    assert codec.decode(token, TokenKind.ACCESS) == c  # the remembered verification
    with pytest.raises(Unauthorized):
        codec.decode(token, TokenKind.REFRESH)
    later = c.expires_at.timestamp() + 1
    monkeypatch.setattr("lms_adapters.local.tokens.time.time", lambda: later)
    with pytest.raises(Unauthorized):
        codec.decode(token, TokenKind.ACCESS)


def test_remembered_tokens_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("lms_adapters.local.tokens._VERIFIED_MAX", 3)
    small = JwtTokenCodec(SECRET)
    tokens = [small.encode(claims()) for _ in range(5)]
    for token in tokens:
        small.decode(token, TokenKind.ACCESS)
    assert [t for t, _kind in small._verified] == tokens[-3:]
