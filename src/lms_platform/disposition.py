"""The ``Content-Disposition`` that names a download (RFC 6266 with RFC 5987 ``filename*``).

Pure text: the HTTP route of the local store and the S3 adapter's presigned URLs
both use it, so a file is named the same whichever store serves it.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

__all__ = ["ascii_fallback", "attachment_disposition"]

_UNSAFE_ASCII = frozenset('"\\/;%*')


def ascii_fallback(filename: str) -> str:
    """A plain-ASCII stand-in for old clients: accents dropped, quotes, backslashes, path
    separators, control characters and other non-ASCII removed."""
    decomposed = unicodedata.normalize("NFKD", filename)
    kept = "".join(
        c for c in decomposed if 32 <= ord(c) < 127 and c not in _UNSAFE_ASCII and c != "\x7f"
    ).strip(" .")
    return kept or "download"


def attachment_disposition(filename: str) -> str:
    encoded = quote(filename, safe="")
    return f"attachment; filename=\"{ascii_fallback(filename)}\"; filename*=UTF-8''{encoded}"
