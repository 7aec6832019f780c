"""Configuration: defaults, parsing, and one clear line naming a bad variable."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

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
    assert (s.max_header_bytes, s.header_timeout_seconds) == (32_768, 10)


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
        MAX_HEADER_BYTES="65536",
        HEADER_TIMEOUT_SECONDS="30",
    )
    assert (s.port, s.workers, s.database_url) == (9000, 4, "postgresql://u@h/db")
    assert (s.max_header_bytes, s.header_timeout_seconds) == (65_536, 30)
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
        ("MAX_HEADER_BYTES", "100"),
        ("MAX_HEADER_BYTES", "64k"),
        ("HEADER_TIMEOUT_SECONDS", "0"),
        ("HEADER_TIMEOUT_SECONDS", "soon"),
        ("SECRET_KEY", "short"),
        ("CORS_ORIGINS", "*"),
        ("CORS_ORIGINS", "not a url"),
        ("TRUSTED_PROXIES", "nope"),
        ("STORAGE_BACKEND", "ftp"),
        ("LOG_LEVEL", "LOUD"),
        ("DB_POOL_SIZE", "0"),
        ("REDIS_POOL_SIZE", "0"),
        ("REDIS_POOL_SIZE", "many"),
        ("SMTP_URL", "http://mail.example.com"),
        ("SMTP_URL", "smtp://user:pw@:25"),
        ("SMTP_URL", "smtp://mail.example.com:99999"),
        ("MAIL_FROM", "not an address"),
        ("MAIL_FROM", "LMS <a@b.c>\r\nBcc: x@y.z"),
        ("APP_URL", "app.example.com"),
        ("REQUIRE_VERIFIED_EMAIL", "sometimes"),
    ],
)
def test_a_bad_value_names_its_variable(tmp_path: Path, variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as e:
        load(tmp_path, **{variable: value})
    assert str(e.value).startswith(f"LMS_{variable}:")
    assert "\n" not in str(e.value)


def test_mail_settings_default_and_parse(tmp_path: Path) -> None:
    s = load(tmp_path, PUBLIC_URL="https://lms.example.com/")
    assert (s.smtp_url, s.mail_from, s.require_verified_email) == (None, "LMS <no-reply@localhost>", False)
    assert s.mail_dir == tmp_path / "mail"
    assert s.app_url == "https://lms.example.com"  # LMS_PUBLIC_URL unless set
    s = load(
        tmp_path,
        SMTP_URL="smtps://apikey:s%40cret@smtp.example.com",
        MAIL_FROM="Academy <no-reply@academy.example>",
        APP_URL="https://academy.example/",
        REQUIRE_VERIFIED_EMAIL="true",
    )
    assert s.smtp_url == "smtps://apikey:s%40cret@smtp.example.com"
    assert (s.mail_from, s.app_url, s.require_verified_email) == (
        "Academy <no-reply@academy.example>",
        "https://academy.example",
        True,
    )


def test_a_bad_secret_is_never_repeated(tmp_path: Path) -> None:
    for variable, value in (("SMTP_URL", "ftp://user:hunter2hunter2@mail"), ("SECRET_KEY", "hunter2hunter2")):
        with pytest.raises(ConfigError) as e:
            load(tmp_path, **{variable: value})
        assert str(e.value).startswith(f"LMS_{variable}:") and "hunter2" not in str(e.value)


def test_the_redis_pool_follows_the_database_pool_unless_set(tmp_path: Path) -> None:
    assert (load(tmp_path).db_pool_size, load(tmp_path).redis_pool_size) == (40, 50)
    assert load(tmp_path, DB_POOL_SIZE="20").redis_pool_size == 30  # the pool and its 10 overflow
    assert load(tmp_path, DB_POOL_SIZE="20", REDIS_POOL_SIZE="8").redis_pool_size == 8


def test_several_workers_need_redis(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^LMS_WORKERS:"):
        load(tmp_path, WORKERS="2")


def test_admin_email_and_password_go_together(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^LMS_ADMIN_EMAIL:"):
        load(tmp_path, ADMIN_EMAIL="a@b.io")


# words of Python's own exceptions, which tell a newcomer nothing about the setting
_PYTHON_WORDS = ("invalid literal", "int()", "base 10", "does not appear to be", "could not convert")


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("PORT", "abc", "must be a whole number from 1 to 65535"),
        ("PORT", "80.5", "must be a whole number from 1 to 65535"),
        ("PORT", "70000", "must be a whole number from 1 to 65535"),
        ("WORKERS", "two", "must be a whole number from 1 to 64"),
        ("ACCESS_TOKEN_MINUTES", "1441", "must be a whole number from 1 to 1440"),
        ("MAX_UPLOAD_BYTES", "50MB", "must be a whole number from 1 to 10737418240"),
        ("DATABASE_URL", "sqlite://x.db", "three slashes before a relative path"),
        ("DATABASE_URL", "sqlite://", "three slashes before a relative path"),
        ("DATABASE_URL", "sqlite:///", "three slashes before a relative path"),
        ("TRUSTED_PROXIES", "10.0.0.0/8, nope", "'nope' is not an IP address or a network"),
    ],
)
def test_a_bad_value_is_explained_in_the_settings_own_words(
    tmp_path: Path, variable: str, value: str, says: str
) -> None:
    with pytest.raises(ConfigError) as e:
        load(tmp_path, **{variable: value})
    message = str(e.value)
    assert message.startswith(f"LMS_{variable}: invalid value {value!r} (")
    assert says in message and "\n" not in message
    assert not any(word in message for word in _PYTHON_WORDS), message


@pytest.mark.parametrize("url", ["sqlite:///var/lms.db", "sqlite:////srv/lms.db", "sqlite+aiosqlite:///x.db"])
def test_sqlite_urls_with_three_or_four_slashes_are_taken(tmp_path: Path, url: str) -> None:
    assert load(tmp_path, DATABASE_URL=url).database_url == url


def test_an_unusable_issuer_key_is_refused_at_start_without_repeating_it(tmp_path: Path) -> None:
    for bad in ("not a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"):
        with pytest.raises(ConfigError, match=r"^LMS_ISSUER_KEY: invalid value \(") as caught:
            load(tmp_path, ISSUER_KEY=bad)
        assert bad not in str(caught.value)
    rsa_pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    with pytest.raises(ConfigError, match="Ed25519"):
        load(tmp_path, ISSUER_KEY=rsa_pem)


def test_an_issuer_key_may_have_its_line_breaks_written_as_backslash_n(tmp_path: Path) -> None:
    pem = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    s = load(tmp_path, ISSUER_KEY=pem.strip().replace("\n", "\\n"), ISSUER_NAME="  Université Exemple ")
    assert s.issuer_key == pem and s.issuer_name == "Université Exemple"
    assert s.issuer_key_file == tmp_path / "issuer_key.pem" and "BEGIN" not in repr(s)
    for bad in (" ", "x" * 201, "a\x01b"):
        with pytest.raises(ConfigError, match=r"^LMS_ISSUER_NAME: "):
            load(tmp_path, ISSUER_NAME=bad)
