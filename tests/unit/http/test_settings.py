"""Configuration: defaults, parsing, and one clear line naming a bad variable."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from lms_http.settings import ConfigError, RateLimit, Settings, load_settings


def load(tmp_path: Path, **env: str) -> Settings:
    return load_settings(
        {"LMS_VAR_DIR": str(tmp_path), **{f"LMS_{k}": v for k, v in env.items()}}, env_file=None
    )


def test_defaults_are_the_contract_table(tmp_path: Path) -> None:
    s = load(tmp_path)
    assert (s.host, s.port, s.workers) == ("127.0.0.1", 8000, 1)
    assert s.database_url == f"sqlite:///{tmp_path / 'lms.db'}"
    assert s.redis_url is None
    assert s.storage_dir == tmp_path / "files"
    assert s.max_upload_bytes == 52_428_800
    assert (s.rate_limit_auth, s.rate_limit_default) == (RateLimit(20, 60), RateLimit(600, 60))
    assert (s.lockout_threshold, s.lockout_minutes) == (5, 15)
    assert (s.access_token_minutes, s.refresh_token_days) == (15, 7)
    assert s.idempotency_lease_seconds == 30
    assert s.cors_origins == ()


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first, second = load(tmp_path).secret_key, load(tmp_path).secret_key
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_values_are_parsed(tmp_path: Path) -> None:
    s = load(
        tmp_path,
        PORT="9000",
        WORKERS="4",
        REDIS_URL="redis://localhost:6379/0",
        DATABASE_URL="postgresql://u@h/db",
        RATE_LIMIT_AUTH="5/second",
        CORS_ORIGINS="https://a.io, http://b.io:3000",
        TRUSTED_PROXIES="10.0.0.0/8,127.0.0.1",
        SECRET_KEY="k" * 40,
        IDEMPOTENCY_LEASE_SECONDS="2",
    )
    assert (s.port, s.workers, s.database_url) == (9000, 4, "postgresql://u@h/db")
    assert s.rate_limit_auth == RateLimit(5, 1)
    assert s.cors_origins == ("https://a.io", "http://b.io:3000")
    assert ipaddress.ip_address("10.1.2.3") in s.trusted_proxies[0]
    assert s.secret_key == "k" * 40
    assert s.idempotency_lease_seconds == 2


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nLMS_PORT=7000\nexport LMS_LOCKOUT_THRESHOLD='7'\n")
    s = load_settings({"LMS_VAR_DIR": str(tmp_path), "LMS_PORT": "7001"}, env_file=env_file)
    assert (s.port, s.lockout_threshold) == (7001, 7)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("WORKERS", "0"),
        ("DATABASE_URL", "mysql://x/y"),
        ("REDIS_URL", "http://x"),
        ("RATE_LIMIT_AUTH", "lots"),
        ("RATE_LIMIT_DEFAULT", "0/minute"),
        ("LOCKOUT_THRESHOLD", "-1"),
        ("ACCESS_TOKEN_MINUTES", "0"),
        ("IDEMPOTENCY_LEASE_SECONDS", "0"),
        ("IDEMPOTENCY_LEASE_SECONDS", "soon"),
        ("MAX_UPLOAD_BYTES", "x"),
        ("SECRET_KEY", "short"),
        ("CORS_ORIGINS", "*"),
        ("CORS_ORIGINS", "not a url"),
        ("TRUSTED_PROXIES", "nope"),
        ("STORAGE_BACKEND", "ftp"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_a_bad_value_names_its_variable(tmp_path: Path, variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as e:
        load(tmp_path, **{variable: value})
    assert str(e.value).startswith(f"LMS_{variable}:")
    assert "\n" not in str(e.value)


def test_several_workers_need_redis(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^LMS_WORKERS:"):
        load(tmp_path, WORKERS="2")


def test_admin_email_and_password_go_together(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^LMS_ADMIN_EMAIL:"):
        load(tmp_path, ADMIN_EMAIL="a@b.io")
