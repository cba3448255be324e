"""DeepL through its official package `deepl`, which is synchronous (requests): each
translation runs in a thread, bounded by the package's own request timeout and by an
asyncio timeout around it, so a slow server never holds a moderator's command."""

from __future__ import annotations

import asyncio
import json
import logging

import deepl
import requests

from bot.translation import (
    Translated,
    TranslationFailed,
    our_code,
    service_code,
    timed_out,
    wanted,
)

log = logging.getLogger(__name__)

# DeepL refuses a body over 128 KiB; the text goes as JSON (non-ASCII escaped, 6 bytes a
# character), the rest of the request takes well under the 8 KiB left.
MAX_BODY_TEXT = 120 * 1024
# Every letter of a question counts (a whole one is needed); past this it is no question.
MAX_CHARACTERS = 20_000

# Our codes as DeepL's. A target with regional variants needs one: plain "EN" is refused.
TARGETS = {
    "en": "EN-US",
    "ko": "KO",
    "ja": "JA",
    "zh": "ZH-HANS",
    "de": "DE",
    "fr": "FR",
    "es": "ES",
    "it": "IT",
    "ru": "RU",
    "id": "ID",
    "pt": "PT-BR",
}
# Sources have no variants.
SOURCES = {ours: theirs.split("-")[0] for ours, theirs in TARGETS.items()}


class DeepL:
    """DeepL's text translation (`deepl.DeepLClient`), one client (one connection pool)
    for the bot's lifetime."""

    name = "DeepL"

    def __init__(self, auth_key: str, *, server_url: str | None = None, timeout: float) -> None:
        """`server_url` None: the package picks api-free.deepl.com for a Free key (":fx")
        and api.deepl.com for a Pro key."""
        self._timeout = timeout
        # Process-wide settings of the package, and this is its only user. No retries: a
        # moderator sees the failure at once and can press again, rather than wait out a
        # back-off. Its request timeout (connecting, then each read) is a second past
        # ours so that ours speaks first and the thread ends soon after.
        deepl.http_client.max_network_retries = 0
        deepl.http_client.min_connection_timeout = timeout + 1
        self._client = deepl.DeepLClient(auth_key, server_url=server_url, send_platform_info=False)

    async def translate(self, text: str, target: str, source: str | None = None) -> Translated:
        wanted(text, MAX_CHARACTERS, self.name)
        if len(json.dumps(text)) > MAX_BODY_TEXT:
            raise TranslationFailed(f"too long for {self.name}")
        to = service_code(TARGETS, target, self.name)
        source_lang = None if source is None else service_code(SOURCES, source, self.name)
        try:
            async with asyncio.timeout(self._timeout):
                result = await asyncio.to_thread(self._translate, text, to, source_lang)
        except TimeoutError:
            failure = timed_out(self._timeout)
            log.warning("DeepL: %s", failure)
            raise failure from None
        return result

    def _translate(self, text: str, target: str, source: str | None) -> Translated:
        """One call, in a thread; every failure is a TranslationFailed with its reason."""
        try:
            answer = self._client.translate_text(text, source_lang=source, target_lang=target)
            if not isinstance(answer, deepl.TextResult) or not isinstance(answer.text, str):
                raise TypeError("not a text")
            return Translated(answer.text, our_code(answer.detected_source_lang))
        except deepl.DeepLException as exc:
            reason = self._reason(exc)
        except (LookupError, TypeError, ValueError, AttributeError):
            # The package reads whatever came back: an HTML page, JSON of another shape.
            reason = "answer not understood"
        log.warning("DeepL: %s", reason)
        raise TranslationFailed(reason) from None

    def _reason(self, exc: deepl.DeepLException) -> str:
        """A short reason for a failure the package reports. Its own message is not
        repeated: it may quote what the server answered."""
        status = exc.http_status_code
        if isinstance(exc, deepl.AuthorizationException):
            return "DeepL refused the key (403)"
        if isinstance(exc, deepl.QuotaExceededException):
            return "quota used up (456)"
        if isinstance(exc, deepl.TooManyRequestsException):
            return "too many requests (429)"
        if isinstance(exc, deepl.ConnectionException):
            if isinstance(exc.__cause__, requests.Timeout):
                return str(timed_out(self._timeout))
            return "DeepL cannot be reached"
        if status is None:
            return "DeepL refused the request"
        if status == 413:
            return "too long for DeepL (413)"
        if status >= 500:
            return f"DeepL is unavailable ({status})"
        return f"DeepL refused the request ({status})"

    async def close(self) -> None:
        self._client.close()
