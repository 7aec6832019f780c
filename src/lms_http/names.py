"""Names the composition root and the HTTP layer agree on, in a module that imports nothing (so
the container, which the command line builds too, never loads the web framework for them)."""

from __future__ import annotations

__all__ = ["API_PREFIX", "CATALOG_STAMP", "CERTIFICATES", "VERIFY", "verification_base"]

API_PREFIX = "/api/v1"
CERTIFICATES = "/certificates"
VERIFY = "/verify"
CATALOG_STAMP = "catalog"
"""The stamp that guards the public catalog cache; the catalog's use cases renew it."""


def verification_base(public_url: str) -> str:
    """Where clients verify a certificate, its number following: the verification route under
    the service's public address."""
    return f"{public_url.rstrip('/')}{API_PREFIX}{CERTIFICATES}{VERIFY}"
