"""The ``Mailer`` suite, run against every adapter (SMTP against a real aiosmtpd server, files in a
temporary directory, memory), then what each adapter does on its own, and ``build_message``."""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms_adapters.mail.files import FileMailer
from lms_adapters.mail.message import build_message
from lms_adapters.mail.smtp import SmtpMailer, SmtpSettings
from lms_adapters.memory.mail import MemoryMailer
from lms_domain.mail.entities import MailMessage
from lms_domain.mail.ports import Mailer
from lms_domain.shared.outcomes import TryOutcome
from tests.mailserver import MailServer, silent_server, unused_port

SENDER = "Académie LMS <no-reply@lms.example>"
SENDER_ADDRESS = "no-reply@lms.example"
TEXT = (
    "Bonjour Zoë,\n\n.\nThe line above is a lone dot, which SMTP escapes.\n"
    "Confirm your address: https://lms.example/verify?token=" + "t" * 1200 + "\n"
    "— L’équipe, 確認\n"
)
HTML = '<p>Bonjour <b>Zoë</b>, <a href="https://lms.example/verify">confirm</a> — 確認</p>\n'
MESSAGE = MailMessage(to="Zoë Çelik <zoe@example.com>", subject="Vérifiez votre adresse — 確認", text=TEXT)
ACCEPTED = TryOutcome(status_code=250, error=None)


@dataclass(frozen=True)
class ReadBack:
    to: str
    subject: str
    text: str
    html: str | None


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n")


def _read(message: EmailMessage) -> ReadBack:
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None
    return ReadBack(
        to=str(message["To"]),
        subject=str(message["Subject"]),
        text=_lf(plain.get_content()),
        html=None if html is None else _lf(html.get_content()),
    )


def _parse(path: Path) -> EmailMessage:
    parsed = BytesParser(policy=default).parsebytes(path.read_bytes())
    assert isinstance(parsed, EmailMessage)
    return parsed


def _eml_files(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.exists() else []


@dataclass
class Adapter:
    mailer: Mailer
    # the messages as sent, in order: from the server, from the files, or as the memory mailer kept them
    read: Callable[[], list[ReadBack]]
    # the messages as put on the wire or on disk (not for the memory mailer)
    wire: Callable[[], list[EmailMessage]]


@contextmanager
def _adapter(kind: str, tmp_path: Path) -> Iterator[Adapter]:
    if kind == "smtp":
        with MailServer() as server:

            def received() -> list[EmailMessage]:
                return [*server.messages]

            mailer = SmtpMailer(SmtpSettings.from_url(server.url), sender=SENDER)
            yield Adapter(mailer, lambda: [_read(m) for m in received()], received)
    elif kind == "file":
        directory = tmp_path / "var" / "mail"

        def written() -> list[EmailMessage]:
            return [_parse(p) for p in _eml_files(directory)]

        yield Adapter(FileMailer(directory, sender=SENDER), lambda: [_read(m) for m in written()], written)
    else:
        memory = MemoryMailer()

        def kept() -> list[ReadBack]:
            return [ReadBack(m.to, m.subject, m.text, m.html) for m in memory.sent]

        def nothing() -> list[EmailMessage]:
            pytest.fail("the memory mailer puts nothing on a wire")

        yield Adapter(memory, kept, nothing)


@pytest.fixture(params=["smtp", "file", "memory"])
def adapter(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Adapter]:
    with _adapter(request.param, tmp_path) as made:
        yield made


@pytest.fixture(params=["smtp", "file"])
def wire_adapter(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Adapter]:
    with _adapter(request.param, tmp_path) as made:
        yield made


# --- every adapter --------------------------------------------------------------------------------


@pytest.mark.parametrize("html", [None, HTML], ids=["text", "text+html"])
async def test_a_sent_message_reads_back_the_same(adapter: Adapter, html: str | None) -> None:
    message = MailMessage(to=MESSAGE.to, subject=MESSAGE.subject, text=TEXT, html=html)
    outcome = await adapter.mailer.send(message)
    assert outcome == ACCEPTED and outcome.succeeded
    assert adapter.read() == [ReadBack(MESSAGE.to, MESSAGE.subject, TEXT, html)]


async def test_each_message_is_sent_once_in_order(adapter: Adapter) -> None:
    for n in range(3):
        message = MailMessage(to=f"user{n}@example.com", subject=f"Message {n}", text=f"Number {n}\n")
        assert await adapter.mailer.send(message) == ACCEPTED
    assert [(m.to, m.subject, m.text) for m in adapter.read()] == [
        (f"user{n}@example.com", f"Message {n}", f"Number {n}\n") for n in range(3)
    ]


@pytest.mark.parametrize(
    ("to", "subject"),
    [
        ("zoe@example.com\r\nBcc: eve@example.com", "Hello"),
        ("zoe@example.com\nBcc: eve@example.com", "Hello"),
        ("zoe@example.com", "Hello\r\nBcc: eve@example.com"),
        ("zoe@example.com", "Hello\rBcc: eve@example.com"),
        ("zoe@example.com", "Hello\nBcc: eve@example.com"),
        ("zoe@example.com", "Hello\u2028Bcc: eve@example.com"),
        ("zoe@example.com", "Hello\x00"),
    ],
)
async def test_header_injection_is_refused(adapter: Adapter, to: str, subject: str) -> None:
    with pytest.raises(ValueError, match="line breaks or other control characters"):
        await adapter.mailer.send(MailMessage(to=to, subject=subject, text="Hi\n"))
    assert adapter.read() == []


@pytest.mark.parametrize("to", ["zoe@example.com, eve@example.com", "", "zoe", "Zoë <>"])
async def test_a_recipient_that_is_not_one_address_is_refused(adapter: Adapter, to: str) -> None:
    with pytest.raises(ValueError, match="exactly one e-mail address"):
        await adapter.mailer.send(MailMessage(to=to, subject="Hello", text="Hi\n"))
    assert adapter.read() == []


async def test_from_is_the_configured_sender(wire_adapter: Adapter) -> None:
    assert await wire_adapter.mailer.send(MESSAGE) == ACCEPTED
    [message] = wire_adapter.wire()
    assert str(message["From"]) == SENDER
    assert str(message["Message-ID"]).endswith("@lms.example>")
    assert message["MIME-Version"] == "1.0"
    sent_at = message["Date"].datetime
    assert sent_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - sent_at) < timedelta(minutes=1)


# --- build_message --------------------------------------------------------------------------------


def test_a_text_message_is_one_utf8_text_part() -> None:
    built = build_message(MESSAGE, sender=SENDER, domain="lms.example")
    assert not built.is_multipart()
    assert (built.get_content_type(), built.get_content_charset()) == ("text/plain", "utf-8")
    assert [str(built[h]) for h in ("From", "To", "Subject", "MIME-Version")] == [
        SENDER,
        MESSAGE.to,
        MESSAGE.subject,
        "1.0",
    ]
    assert re.fullmatch(r"<[^@<>\s]+@lms\.example>", str(built["Message-ID"]))
    assert built["Date"].datetime.utcoffset() == timedelta(0)


def test_html_is_an_alternative_after_the_text() -> None:
    built = build_message(
        MailMessage(to=MESSAGE.to, subject=MESSAGE.subject, text=TEXT, html=HTML),
        sender=SENDER,
        domain="x.test",
    )
    assert built.get_content_type() == "multipart/alternative"
    parts = list(built.iter_parts())
    assert [(p.get_content_type(), p.get_content_charset()) for p in parts] == [
        ("text/plain", "utf-8"),
        ("text/html", "utf-8"),
    ]
    assert _read(built) == ReadBack(MESSAGE.to, MESSAGE.subject, TEXT, HTML)


def test_each_message_has_its_own_message_id() -> None:
    ids = {str(build_message(MESSAGE, sender=SENDER, domain="lms.example")["Message-ID"]) for _ in range(20)}
    assert len(ids) == 20


def test_the_email_policy_refuses_line_breaks_but_not_nul() -> None:
    """Why ``build_message`` checks values itself: the policy lets NUL (and DEL) into a header."""
    message = EmailMessage(policy=default)
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        message["Subject"] = "Hello\r\nBcc: eve@example.com"
    message["Subject"] = "Hello\x00"
    assert b"Hello\x00" in message.as_bytes()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("to", "zoe@example.com\r\nBcc: eve@example.com"),
        ("subject", "Hi\nBcc: eve@example.com"),
        ("subject", "Hi\x7f"),
        ("subject", "Hi\x85"),
        ("sender", "LMS <no-reply@lms.example>\r\nBcc: eve@example.com"),
    ],
)
def test_build_message_refuses_control_characters(field: str, value: str) -> None:
    """A message with such a recipient or subject cannot even be made; a sender is checked here."""

    def build() -> None:
        message = MailMessage(
            to=value if field == "to" else "zoe@example.com",
            subject=value if field == "subject" else "Hi",
            text="Hi\n",
        )
        build_message(message, sender=value if field == "sender" else SENDER, domain="lms.example")

    with pytest.raises(ValueError, match="line breaks or other control characters"):
        build()


def test_a_tab_in_the_subject_is_kept() -> None:
    built = build_message(
        MailMessage(to="a@b.example", subject="A\tB", text="Hi\n"), sender=SENDER, domain="x"
    )
    assert str(built["Subject"]) == "A\tB"


@pytest.mark.parametrize("sender", ["", "no address", "a@b.example, c@d.example"])
def test_mailers_refuse_a_sender_that_is_not_one_address(sender: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="LMS_MAIL_FROM"):
        SmtpMailer(SmtpSettings(host="localhost", port=25), sender=sender)
    with pytest.raises(ValueError, match="LMS_MAIL_FROM"):
        FileMailer(tmp_path, sender=sender)


# --- SMTP -----------------------------------------------------------------------------------------


def _smtp(server: MailServer, *, trusted: bool = True, url: str | None = None) -> SmtpMailer:
    settings = SmtpSettings.from_url(url or server.url)
    return SmtpMailer(settings, sender=SENDER, tls_context=server.client_tls_context() if trusted else None)


async def test_smtp_envelope_sender_and_recipient_are_the_addresses() -> None:
    with MailServer() as server:
        assert await _smtp(server).send(MESSAGE) == ACCEPTED
        [received] = server.wait_for(1)
    assert received.envelope_from == SENDER_ADDRESS
    assert received.envelope_to == ("zoe@example.com",)


async def test_smtp_stays_plain_when_starttls_is_not_offered() -> None:
    with MailServer() as server:
        assert await _smtp(server).send(MESSAGE) == ACCEPTED
        [received] = server.wait_for(1)
    assert received.tls is False


async def test_smtp_uses_starttls_when_offered() -> None:
    with MailServer(starttls=True) as server:
        assert await _smtp(server).send(MESSAGE) == ACCEPTED
        [received] = server.wait_for(1)
    assert received.tls is True
    assert _read(received) == ReadBack(MESSAGE.to, MESSAGE.subject, TEXT, None)


async def test_smtp_starttls_with_an_untrusted_certificate_sends_nothing() -> None:
    with MailServer(starttls=True) as server:
        outcome = await _smtp(server, trusted=False).send(MESSAGE)
        assert server.messages == []
    assert outcome.status_code is None
    assert outcome.error is not None and "certificate verify failed" in outcome.error


async def test_smtps_speaks_tls_from_the_start() -> None:
    with MailServer(implicit_tls=True) as server:
        assert server.url.startswith("smtps://")
        assert await _smtp(server).send(MESSAGE) == ACCEPTED
        [received] = server.wait_for(1)
    assert received.tls is True
    assert received.envelope_from == SENDER_ADDRESS


async def test_smtps_with_an_untrusted_certificate_is_an_outcome() -> None:
    with MailServer(implicit_tls=True) as server:
        outcome = await _smtp(server, trusted=False).send(MESSAGE)
        assert server.messages == []
    assert outcome.status_code is None
    assert outcome.error is not None and "certificate verify failed" in outcome.error


async def test_smtp_logs_in_with_the_credentials_of_the_url() -> None:
    username, password = "mailer@lms.example", "p@ss:wörd/%20 1"
    with MailServer(starttls=True, username=username, password=password) as server:
        assert "mailer%40lms.example:p%40ss%3Aw%C3%B6rd%2F%2520%201@" in server.url
        assert await _smtp(server).send(MESSAGE) == ACCEPTED
        [received] = server.wait_for(1)
    assert received.login == username
    assert received.tls is True


async def test_smtp_never_sends_credentials_in_the_clear() -> None:
    """A server that does not offer STARTTLS (or someone in between who strips it) gets no login:
    the try fails before the credentials are sent."""
    with MailServer(starttls=False, username="mailer", password="secret-47") as server:
        outcome = await _smtp(server).send(MESSAGE)
        assert server.messages == []
    assert outcome.status_code is None and not outcome.succeeded
    assert outcome.error is not None and "STARTTLS" in outcome.error and "secret-47" not in outcome.error


async def test_smtp_refused_login_is_the_reply_without_the_password() -> None:
    wrong = "wrong-secret-47"
    echo = f"535 5.7.8 {wrong} is not the password"  # a server that repeats what it was sent
    with MailServer(starttls=True, username="mailer", password="right", reject_login_with=echo) as server:
        outcome = await _smtp(server, url=server.url.replace(":right@", f":{wrong}@")).send(MESSAGE)
        assert server.messages == []
    assert outcome.status_code == 535 and not outcome.succeeded
    assert outcome.error == "The mail server answered 535: 5.7.8 *** is not the password"


async def test_smtp_without_the_login_a_server_requires_is_refused() -> None:
    with MailServer(starttls=True, username="mailer", password="right") as server:
        outcome = await _smtp(server, url=server.url.replace("mailer:right@", "")).send(MESSAGE)
        assert server.messages == []
    assert outcome.status_code == 530


async def test_smtp_rejected_recipient_is_the_reply_code() -> None:
    with MailServer() as server:
        server.reject_recipients = "550 5.1.1 No such user"
        outcome = await _smtp(server).send(MESSAGE)
        assert server.messages == []
    assert outcome == TryOutcome(status_code=550, error="The mail server answered 550: 5.1.1 No such user")
    assert not outcome.succeeded


async def test_smtp_error_is_one_short_line() -> None:
    with MailServer() as server:
        server.reject_recipients = "550-5.1.1 first line\r\n550 " + "x" * 2000
        outcome = await _smtp(server).send(MESSAGE)
    assert outcome.status_code == 550
    assert outcome.error is not None
    assert len(outcome.error) <= 500
    assert outcome.error.startswith("The mail server answered 550: 5.1.1 first line xxx")
    assert "\n" not in outcome.error and "\r" not in outcome.error


async def test_smtp_server_down_is_an_outcome() -> None:
    mailer = SmtpMailer(SmtpSettings.from_url(f"smtp://127.0.0.1:{unused_port()}"), sender=SENDER)
    outcome = await mailer.send(MESSAGE)
    assert outcome.status_code is None
    assert outcome.error is not None and outcome.error.startswith("Could not send through the mail server:")


async def test_smtp_silent_server_times_out_on_time() -> None:
    with silent_server() as url:
        mailer = SmtpMailer(SmtpSettings.from_url(url, timeout_seconds=0.5), sender=SENDER)
        started = time.monotonic()
        outcome = await mailer.send(MESSAGE)
        elapsed = time.monotonic() - started
    assert outcome == TryOutcome(status_code=None, error="Timed out after 0.5 s")
    assert 0.4 < elapsed < 2.5


async def test_smtp_to_a_server_without_8bitmime_sends_7bit() -> None:
    message = MailMessage(to=MESSAGE.to, subject=MESSAGE.subject, text="Zoë\n", html="<p>Zoë</p>\n")
    with MailServer(eight_bit_mime=False) as server:
        assert await _smtp(server).send(message) == ACCEPTED
        [received] = server.wait_for(1)
    assert {str(p["Content-Transfer-Encoding"]) for p in received.iter_parts()} <= {
        "base64",
        "quoted-printable",
    }
    assert _read(received) == ReadBack(message.to, message.subject, message.text, message.html)


# --- SmtpSettings.from_url ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", SmtpSettings(host="mail.example.com", port=587)),
        ("smtps://mail.example.com", SmtpSettings(host="mail.example.com", port=465, implicit_tls=True)),
        ("SMTP://Mail.Example.COM:25/", SmtpSettings(host="mail.example.com", port=25)),
        ("smtp://[::1]:1025", SmtpSettings(host="::1", port=1025)),
        (
            "smtp://mailer@mail.example.com",
            SmtpSettings(host="mail.example.com", port=587, username="mailer"),
        ),
        (
            "smtps://me%40example.com:p%40ss%3Aw%2Frd%25@mail.example.com:2465",
            SmtpSettings(
                host="mail.example.com",
                port=2465,
                username="me@example.com",
                password="p@ss:w/rd%",
                implicit_tls=True,
            ),
        ),
        (
            "smtp://me:@mail.example.com",
            SmtpSettings(host="mail.example.com", port=587, username="me", password=""),
        ),
        (
            "smtp://me:pa+ss@mail.example.com",
            SmtpSettings(host="mail.example.com", port=587, username="me", password="pa+ss"),
        ),
    ],
)
def test_settings_from_url(url: str, expected: SmtpSettings) -> None:
    assert SmtpSettings.from_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "mail.example.com:587",
        "http://mail.example.com",
        "lmtp://mail.example.com",
        "smtp://",
        "smtp://:25",
        "smtp://mail.example.com:0",
        "smtp://mail.example.com:65536",
        "smtp://mail.example.com:abc",
        "smtp://mail.example.com:",
        "smtp://mail.example.com/inbox",
        "smtp://mail.example.com?starttls=no",
        "smtp://mail.example.com#x",
        "smtp://:secret@mail.example.com",
        "smtp://mail example.com",
    ],
)
def test_settings_refuse_a_bad_url_naming_the_variable(url: str) -> None:
    with pytest.raises(ValueError, match=r"^LMS_SMTP_URL must look like smtp://"):
        SmtpSettings.from_url(url)


@pytest.mark.parametrize(
    "url", ["http://me:s3cret-pw@mail.example.com", "smtp://me:s3cret-pw@mail.example.com:port"]
)
def test_a_bad_url_error_does_not_show_the_password(url: str) -> None:
    with pytest.raises(ValueError, match="LMS_SMTP_URL") as refused:
        SmtpSettings.from_url(url)
    assert "s3cret-pw" not in str(refused.value)


def test_settings_repr_hides_the_password() -> None:
    settings = SmtpSettings.from_url("smtp://me:s3cret-pw@mail.example.com", timeout_seconds=3)
    assert settings.password == "s3cret-pw" and settings.timeout_seconds == 3
    assert "s3cret-pw" not in repr(settings)


_any_text = st.text(st.characters(codec="utf-8"))


@given(
    scheme=st.sampled_from(["smtp", "smtps"]),
    host=st.sampled_from(["mail.example.com", "127.0.0.1", "[::1]", "smtp-relay.internal"]),
    port=st.integers(1, 65535),
    username=_any_text.filter(bool),
    password=_any_text,
)
def test_settings_from_url_decode_any_credentials(
    scheme: str, host: str, port: int, username: str, password: str
) -> None:
    url = f"{scheme}://{quote(username, safe='')}:{quote(password, safe='')}@{host}:{port}"
    assert SmtpSettings.from_url(url) == SmtpSettings(
        host=host.strip("[]"),
        port=port,
        username=username,
        password=password,
        implicit_tls=scheme == "smtps",
    )


# --- files ----------------------------------------------------------------------------------------


async def test_files_are_one_eml_per_message_sorted_by_time(tmp_path: Path) -> None:
    directory = tmp_path / "var" / "mail"
    mailer = FileMailer(directory, sender=SENDER)
    for n in range(3):
        assert await mailer.send(MailMessage(to="zoe@example.com", subject=f"N{n}", text="Hi\n")) == ACCEPTED
    files = _eml_files(directory)  # every entry: a temporary file left behind would show here
    assert len(files) == 3
    assert all(re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{8}\.eml", p.name) for p in files)
    assert [str(_parse(p)["Subject"]) for p in files] == ["N0", "N1", "N2"]
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


async def test_files_that_cannot_be_written_are_an_outcome(tmp_path: Path) -> None:
    (tmp_path / "occupied").write_text("a file, not a directory")
    outcome = await FileMailer(tmp_path / "occupied" / "mail", sender=SENDER).send(MESSAGE)
    assert outcome.status_code is None
    assert outcome.error is not None and outcome.error.startswith("Could not write the message to ")


async def test_files_a_failed_rename_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    outcome = await FileMailer(tmp_path, sender=SENDER).send(MESSAGE)
    assert outcome == TryOutcome(
        status_code=None, error=f"Could not write the message to {tmp_path}: No space left on device"
    )
    assert list(tmp_path.iterdir()) == []


# --- memory ---------------------------------------------------------------------------------------


async def test_memory_outage_answers_the_failure_and_keeps_nothing() -> None:
    mailer = MemoryMailer()
    mailer.fail_with = TryOutcome(status_code=421, error="The mail server answered 421: try later")
    assert await mailer.send(MESSAGE) == mailer.fail_with
    assert mailer.sent == []
    mailer.fail_with = None
    assert await mailer.send(MESSAGE) == ACCEPTED
    assert mailer.sent == [MESSAGE]
