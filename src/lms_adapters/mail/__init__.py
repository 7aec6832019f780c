"""Outgoing mail: messages built with the standard library, sent with aiosmtplib or kept as files."""
