"""An in-process machine-translation provider for tests (bot.core.ports.MachineTranslator):
known texts get their known translations, any other text a marked stand-in; it records
what it was asked and can be told to fail or to be slow, as a real provider may."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bot.qa.language import detect
from bot.translation import Translated, TranslationFailed


class FakeTranslator:
    """Translates from a table (text -> {lang: translation}); else "[lang] text"."""

    name = "test-mt"

    def __init__(self, table: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.table = dict(table or {})
        self.asked: list[tuple[str, str, str | None]] = []
        self.failure: str | None = None  # the reason of the next failures, when set
        self.gate: asyncio.Event | None = None  # when given, each answer waits for it
        self.closed = False

    async def translate(self, text: str, target: str, source: str | None = None) -> Translated:
        self.asked.append((text, target, source))
        if self.gate is not None:
            await self.gate.wait()
        if self.failure is not None:
            raise TranslationFailed(self.failure)
        found = self.table.get(text, {}).get(target)
        return Translated(found or f"[{target}] {text}", source or detect(text, ("en", "ko")))

    async def close(self) -> None:
        self.closed = True
