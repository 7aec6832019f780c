"""``LMS_WEBHOOK_ALLOW_PRIVATE``: off unless set, and a clear line for a bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms_http.settings import ConfigError, load_settings


def test_private_webhook_addresses_are_refused_unless_allowed(tmp_path: Path) -> None:
    base = {"LMS_VAR_DIR": str(tmp_path)}
    assert load_settings(base, env_file=None).webhook_allow_private is False
    allowed = load_settings({**base, "LMS_WEBHOOK_ALLOW_PRIVATE": "true"}, env_file=None)
    assert allowed.webhook_allow_private is True
    with pytest.raises(ConfigError, match=r"^LMS_WEBHOOK_ALLOW_PRIVATE: "):
        load_settings({**base, "LMS_WEBHOOK_ALLOW_PRIVATE": "sometimes"}, env_file=None)
