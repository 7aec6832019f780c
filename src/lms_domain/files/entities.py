"""An uploaded file's metadata; its bytes live in a ``BlobStorage`` under ``stored_filename``."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms_domain.shared.actors import Actor

__all__ = ["MAX_FILENAME_LENGTH", "StoredFile", "clean_filename"]

MAX_FILENAME_LENGTH = 255
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(kw_only=True)
class StoredFile:
    id: UUID
    owner_id: UUID
    original_filename: str
    stored_filename: str
    content_type: str
    file_size: int
    uploaded_at: datetime

    def visible_to(self, actor: Actor) -> bool:
        return actor.owns_or_admin(self.owner_id)


def clean_filename(name: str | None) -> str:
    """The name a client sent, made safe to keep and show: the last path component only,
    no control or bidirectional-override characters, at most 255 characters; ``"file"`` if
    nothing is left."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cs") and c not in _BIDI_CONTROLS)
    text = text.strip()
    if text in ("", ".", ".."):
        return "file"
    return text[:MAX_FILENAME_LENGTH].rstrip() or "file"
