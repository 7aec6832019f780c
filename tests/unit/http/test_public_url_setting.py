"""LMS_PUBLIC_URL: where clients reach the service (printed on certificates)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms_http.settings import ConfigError, Settings, load_settings


def load(tmp_path: Path, **env: str) -> Settings:
    return load_settings(
        {"LMS_VAR_DIR": str(tmp_path), **{f"LMS_{k}": v for k, v in env.items()}}, env_file=None
    )


def test_public_url_defaults_to_the_local_server(tmp_path: Path) -> None:
    assert load(tmp_path).public_url == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("https://lms.example.com", "https://lms.example.com"),
        ("https://lms.example.com/", "https://lms.example.com"),
        ("http://10.0.0.5:8080/school/", "http://10.0.0.5:8080/school"),
    ],
)
def test_public_url_accepts_http_and_https(tmp_path: Path, raw: str, kept: str) -> None:
    assert load(tmp_path, PUBLIC_URL=raw).public_url == kept


@pytest.mark.parametrize(
    "raw",
    [
        "lms.example.com",
        "ftp://lms.example.com",
        "https://",
        "https://a b.com",
        "https://x.com/?q=1",
        "javascript:alert(1)",
        "https://user@evil.com",
    ],
)
def test_a_bad_public_url_stops_startup_naming_the_variable(tmp_path: Path, raw: str) -> None:
    with pytest.raises(ConfigError, match=r"^LMS_PUBLIC_URL: "):
        load(tmp_path, PUBLIC_URL=raw)
