"""The messages, from plain templates: every value a user typed goes into the text as it is and,
when an HTML part is made, escaped."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from lms_domain.mail.entities import MailMessage

__all__ = ["MailTemplates", "certificate_issued"]


@dataclass(frozen=True, slots=True)
class MailTemplates:
    """``app_url``: the front end the links in messages point at."""

    app_url: str

    def _link(self, path: str, token: str) -> str:
        return f"{self.app_url.rstrip('/')}/{path}?token={quote(token, safe='')}"

    def verify_email(self, *, to: str, full_name: str, token: str) -> MailMessage:
        link = self._link("verify-email", token)
        return MailMessage(
            to=to,
            subject="Confirm your email address",
            text=(
                f"Hello {full_name},\n\n"
                "please confirm that this address is yours by opening this link:\n\n"
                f"{link}\n\n"
                "The link works once, for 48 hours. If you did not create an account, ignore this message.\n"
            ),
        )

    def reset_password(self, *, to: str, full_name: str, token: str) -> MailMessage:
        link = self._link("reset-password", token)
        return MailMessage(
            to=to,
            subject="Reset your password",
            text=(
                f"Hello {full_name},\n\n"
                "someone asked to reset the password of your account. To choose a new one, "
                "open this link:\n\n"
                f"{link}\n\n"
                "The link works once, for 30 minutes. If you did not ask for it, ignore this message: "
                "your password stays as it is.\n"
            ),
        )

    def password_changed(self, *, to: str, full_name: str) -> MailMessage:
        return MailMessage(
            to=to,
            subject="Your password was changed",
            text=(
                f"Hello {full_name},\n\n"
                "the password of your account was just changed, and every other sign-in was ended.\n\n"
                "If you did not change it, reset your password at once and tell your administrator.\n"
            ),
        )


def certificate_issued(*, to: str, full_name: str, course_title: str, number: str, url: str) -> MailMessage:
    """The student's notice of an issued certificate: its number and ``url``, where anyone checks it."""
    return MailMessage(
        to=to,
        subject="Your certificate has been issued",
        text=(
            f"Hello {full_name},\n\n"
            f'congratulations: your certificate for the course "{course_title}" has been issued.\n\n'
            f"Certificate number: {number}\n"
            f"Anyone can check it at: {url}\n"
        ),
    )
