"""Our signatures are what the ``standardwebhooks`` package verifies (we never verify our own)."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from lms_domain.integrations.signing import new_secret, signature, webhook_headers

_IDS = st.text(st.characters(codec="ascii", exclude_characters=" \r\n\x00"), min_size=1, max_size=60)
# The package refuses timestamps more than five minutes from now.
_RECENT = st.integers(min_value=-280, max_value=280)


def test_a_new_secret_is_whsec_and_32_random_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert new_secret() != secret


def test_the_headers_of_a_delivery() -> None:
    headers = webhook_headers(new_secret(), message_id="msg_1", timestamp=1_700_000_000, body=b"{}")
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"] == "msg_1"
    assert headers["webhook-timestamp"] == "1700000000"
    assert headers["webhook-signature"].startswith("v1,")
    assert headers["user-agent"].startswith("lms-webhooks/")


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=2048), message_id=_IDS, offset=_RECENT)
def test_the_package_verifies_every_delivery(body: bytes, message_id: str, offset: int) -> None:
    secret = new_secret()
    headers = webhook_headers(secret, message_id=message_id, timestamp=int(time.time()) + offset, body=body)
    assert Webhook(secret).verify(body, headers, json_parse=False) is None


@settings(max_examples=200, deadline=None)
@given(
    body=st.binary(max_size=512),
    message_id=_IDS,
    timestamp=st.integers(min_value=0, max_value=4_000_000_000),
)
def test_the_signature_is_the_packages_at_any_time(body: bytes, message_id: str, timestamp: int) -> None:
    secret = new_secret()
    expected = Webhook(secret).sign(message_id, datetime.fromtimestamp(timestamp, UTC), body)
    assert signature(secret, message_id=message_id, timestamp=timestamp, body=body) == expected


def test_json_bodies_verify_and_parse() -> None:
    secret, body = new_secret(), b'{"id":"e1","type":"webhook.test","data":{"n":"\\u00e9"}}'
    headers = webhook_headers(secret, message_id="e1", timestamp=int(time.time()), body=body)
    assert Webhook(secret).verify(body, headers)["type"] == "webhook.test"


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=512), message_id=_IDS)
def test_a_wrong_secret_is_refused(body: bytes, message_id: str) -> None:
    headers = webhook_headers(new_secret(), message_id=message_id, timestamp=int(time.time()), body=body)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers, json_parse=False)


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=512), extra=st.binary(min_size=1, max_size=8), message_id=_IDS)
def test_a_changed_body_is_refused(body: bytes, extra: bytes, message_id: str) -> None:
    secret = new_secret()
    headers = webhook_headers(secret, message_id=message_id, timestamp=int(time.time()), body=body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + extra, headers, json_parse=False)


def test_a_changed_id_or_timestamp_is_refused() -> None:
    secret, body, now = new_secret(), b"{}", int(time.time())
    headers = webhook_headers(secret, message_id="m1", timestamp=now, body=body)
    for changed in ({"webhook-id": "m2"}, {"webhook-timestamp": str(now - 1)}):
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(body, {**headers, **changed}, json_parse=False)


def test_a_secret_without_its_key_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        signature("whsec_", message_id="m", timestamp=0, body=b"")
