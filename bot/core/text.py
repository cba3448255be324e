"""Small text rules every layer shares."""

from __future__ import annotations

import re
import unicodedata

from bot.core.errors import UserError

# Invisible controls and the bidirectional overrides that can disguise text.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"[\t\r\n]+")


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clean_typed(text: str) -> str:
    """What someone typed, as every surface takes it: NFC, line breaks and tabs folded to
    spaces, trimmed; invisible control characters refused (a UserError)."""
    if FORBIDDEN.search(text):
        raise UserError("error.control_chars")
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
