"""Value rules, with hypothesis for the password policy."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms_domain.identity.values import is_breached, normalize_email, validate_password
from lms_domain.shared.errors import InvalidField


@given(st.text(min_size=0, max_size=200))
def test_policy_accepts_exactly_the_rule(password: str) -> None:
    ok = (
        8 <= len(password) <= 128
        and any(c.isupper() for c in password)
        and any(c.islower() for c in password)
        and any(c.isdigit() for c in password)
        and not is_breached(password)
    )
    try:
        validate_password(password)
    except InvalidField:
        assert not ok
    else:
        assert ok


@given(st.text(alphabet=string.ascii_letters + string.digits, min_size=12, max_size=40))
def test_strong_random_passwords_pass_when_they_mix_classes(core: str) -> None:
    password = "Zq9" + core
    validate_password(password) if not is_breached(password) else None


@pytest.mark.parametrize("breached", ["Password1", "Welcome2024", "Qwerty123!", "Letmein99", "Football1"])
def test_breached_passwords_and_suffixed_variants_are_refused(breached: str) -> None:
    with pytest.raises(InvalidField, match="breached"):
        validate_password(breached)


@pytest.mark.parametrize(
    ("raw", "expected"), [(" Ann@Example.COM ", "ann@example.com"), ("a.b+c@x.io", "a.b+c@x.io")]
)
def test_emails_are_trimmed_and_lowercased(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize("bad", ["", "no-at", "a@", "@b.io", "a@b", "a b@c.io", "a@" + "b" * 260 + ".io"])
def test_bad_emails_are_refused(bad: str) -> None:
    with pytest.raises(InvalidField):
        normalize_email(bad)
