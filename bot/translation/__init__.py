"""Machine translation behind one small interface (placeholder until the providers land)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Translated:
    """A provider's translation, and the language it found the text in (ours: "en")."""

    text: str
    source: str | None


class TranslationFailed(Exception):
    """A translation that did not come: a short reason, safe to show and log."""
