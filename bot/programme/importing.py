"""What every programme importer shares: its refusal, reading a file as text, and ids."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any


class ImportProblem(Exception):
    """A file cannot be imported: `where` is the row or element, `message` the reason."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


def read_text(raw: bytes) -> str:
    """The file as text: UTF-8 (a byte-order mark is fine), or a refusal saying where it
    stops being UTF-8 (a spreadsheet's "CSV" in CP949 or Latin-1, typically)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportProblem(
            f"line {line}",
            f"is not UTF-8 (byte {exc.start}); save the file as UTF-8 and import it again",
        ) from None
    if "\x00" in text:
        raise ImportProblem("(file)", "contains NUL characters: is it a binary file?")
    return text


def slug(text: str, taken: set[str] | None = None) -> str:
    """An id an event file accepts (`a-z0-9-`, up to 64) made from any text, unique
    among `taken` (which it then joins)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:56] or "item"
    if not base[0].isalnum():
        base = "x" + base
    found, n = base, 2
    while taken is not None and found in taken:
        found, n = f"{base}-{n}", n + 1
    if taken is not None:
        taken.add(found)
    return found


def event_dates(sessions: list[dict[str, Any]]) -> list[str]:
    """The days a programme covers, for an importer that has no event section."""
    days: set[date] = set()
    for s in sessions:
        try:
            days.add(datetime.fromisoformat(str(s["start"])).date())
        except (KeyError, ValueError):
            continue
    return [d.isoformat() for d in sorted(days)]
