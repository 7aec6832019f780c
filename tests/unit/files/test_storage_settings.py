"""LMS_STORAGE_BACKEND and LMS_MINIO_*: read, checked, and named in errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms_http.settings import ConfigError, load_settings

BASE = {"LMS_SECRET_KEY": "s" * 40}
MINIO = {
    **BASE,
    "LMS_STORAGE_BACKEND": "minio",
    "LMS_MINIO_ENDPOINT": "minio.internal:9000",
    "LMS_MINIO_ACCESS_KEY": "lms",
    "LMS_MINIO_SECRET_KEY": "lms-secret-key",
}


def test_defaults_are_local_storage(tmp_path: Path) -> None:
    s = load_settings({**BASE, "LMS_VAR_DIR": str(tmp_path)}, env_file=None)
    assert (s.storage_backend, s.storage_dir, s.minio_bucket, s.minio_secure) == (
        "local",
        tmp_path / "files",
        "lms-files",
        True,
    )


def test_minio_settings_are_read() -> None:
    s = load_settings(
        {**MINIO, "LMS_MINIO_BUCKET": "course-files", "LMS_MINIO_SECURE": "false"}, env_file=None
    )
    assert (s.storage_backend, s.minio_endpoint, s.minio_access_key, s.minio_secret_key) == (
        "minio",
        "minio.internal:9000",
        "lms",
        "lms-secret-key",
    )
    assert (s.minio_bucket, s.minio_secure) == ("course-files", False)
    assert "lms-secret-key" not in repr(s)


@pytest.mark.parametrize("missing", ["LMS_MINIO_ENDPOINT", "LMS_MINIO_ACCESS_KEY", "LMS_MINIO_SECRET_KEY"])
def test_minio_needs_endpoint_and_credentials(missing: str) -> None:
    env = {k: v for k, v in MINIO.items() if k != missing}
    with pytest.raises(ConfigError, match=f"^{missing}: required when LMS_STORAGE_BACKEND is minio"):
        load_settings(env, env_file=None)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LMS_STORAGE_BACKEND", "s3"),
        ("LMS_MINIO_ENDPOINT", "http://minio:9000"),
        ("LMS_MINIO_ENDPOINT", "minio:9000/path"),
        ("LMS_MINIO_BUCKET", "Upper_Case"),
        ("LMS_MINIO_BUCKET", "ab"),
        ("LMS_MINIO_SECURE", "maybe"),
        ("LMS_MINIO_REGION", "US East"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name}: invalid value"):
        load_settings({**MINIO, name: value}, env_file=None)
