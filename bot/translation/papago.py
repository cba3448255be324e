"""NAVER Cloud's Papago Text Translation (its REST API through aiohttp's client: NAVER
offers no Python SDK). POST a form (source, target, text) with the application's
client ID and secret in the X-NCP-APIGW-API-KEY-ID / X-NCP-APIGW-API-KEY headers;
the answer is {"message": {"result": {"srcLangType", "tarLangType", "translatedText"}}},
a failure an HTTP 4xx/5xx with {"error": {"errorCode", "message"}}."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

import aiohttp

from bot.settings.environment import PAPAGO_URL
from bot.translation import (
    Translated,
    TranslationFailed,
    our_code,
    service_code,
    timed_out,
    wanted,
)

log = logging.getLogger(__name__)

# Papago translates at most 5,000 characters a call (error N2MT08 past it).
MAX_CHARACTERS = 5000
# An answer is the translation of at most that much: a bigger one is not Papago's.
MAX_ANSWER = 1024 * 1024

# Our codes as Papago's; "auto" as the source lets Papago find the language.
CODES = {
    "ko": "ko",
    "en": "en",
    "ja": "ja",
    "zh": "zh-CN",
    "vi": "vi",
    "th": "th",
    "id": "id",
    "fr": "fr",
    "es": "es",
    "ru": "ru",
    "de": "de",
    "it": "it",
}
# Papago's errors that mean "not this pair of languages".
_NO_PAIR = {"N2MT02", "N2MT04", "N2MT06"}
_ERROR_CODE = re.compile(r"^[A-Za-z0-9]{1,12}$")


class Papago:
    """Papago's text translation, one aiohttp session for the bot's lifetime (made on
    first use, on the running loop)."""

    name = "Papago"

    def __init__(
        self, client_id: str, client_secret: str, *, url: str = PAPAGO_URL, timeout: float
    ) -> None:
        self._url = url
        self._timeout = timeout
        self._headers = {"X-NCP-APIGW-API-KEY-ID": client_id, "X-NCP-APIGW-API-KEY": client_secret}
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            # aiohttp's own timer covers connecting, sending and reading the whole answer.
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout)
            )
        return self._session

    async def translate(self, text: str, target: str, source: str | None = None) -> Translated:
        form = {
            "source": "auto" if source is None else service_code(CODES, source, self.name),
            "target": service_code(CODES, target, self.name),
            "text": wanted(text, MAX_CHARACTERS, self.name),
        }
        try:
            # aiohttp rounds a timeout past 5 s up to a whole second: ours is exact.
            async with (
                asyncio.timeout(self._timeout),
                self._http().post(self._url, data=form, headers=self._headers) as answer,
            ):
                status, body = answer.status, await _read(answer)
        except TimeoutError:
            failure = timed_out(self._timeout)
        except TranslationFailed as exc:  # an answer too big to be Papago's
            failure = exc
        except aiohttp.ClientError as exc:
            # The kind of failure (refused, DNS, TLS) helps the operator; its text would
            # add nothing a moderator needs.
            log.warning("Papago cannot be reached: %s", type(exc).__name__)
            raise TranslationFailed("Papago cannot be reached") from None
        else:
            if status == 200:
                return _translated(body)
            failure = TranslationFailed(_reason(status, _error_code(body)))
        log.warning("Papago: %s", failure)
        raise failure

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _read(answer: aiohttp.ClientResponse) -> bytes:
    """The answer's body, or TranslationFailed when it is bigger than any of Papago's."""
    body = bytearray()
    async for chunk in answer.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > MAX_ANSWER:
            raise TranslationFailed("answer not understood")
    return bytes(body)


def _translated(body: bytes) -> Translated:
    try:
        result = json.loads(body)["message"]["result"]
        text = result["translatedText"]
        if not isinstance(text, str):
            raise TypeError(type(text).__name__)
        return Translated(text, our_code(result.get("srcLangType")))
    except (ValueError, LookupError, TypeError, AttributeError):
        # Not Papago's JSON: a proxy's HTML page, a cut answer, another shape.
        log.warning("Papago: answer not understood")
        raise TranslationFailed("answer not understood") from None


def _error_code(body: bytes) -> str:
    """The errorCode of Papago's {"error": {...}} (also read at the top level, as the
    older API put it), when it looks like one; else empty."""
    try:
        data: Any = json.loads(body)
        found = data.get("error", data).get("errorCode") if isinstance(data, dict) else None
    except (ValueError, AttributeError):
        return ""
    code = str(found) if isinstance(found, str | int) else ""
    return code if _ERROR_CODE.match(code) else ""


def _reason(status: int, code: str) -> str:
    """A short reason for Papago's HTTP `status` with its `code` (the gateway's "200" is
    a failed authentication, "400" a used-up quota)."""
    if status in (401, 403):
        return f"Papago refused the key ({status})"
    if status == 429:
        return "quota used up (429)" if code == "400" else "too many requests (429)"
    if status == 413 or code == "N2MT08":
        return f"too long for Papago ({status})"
    if code == "N2MT05":
        return "the text is already in that language"
    if code in _NO_PAIR:
        return f"Papago cannot translate between these languages ({code})"
    if status >= 500:
        return f"Papago is unavailable ({status})"
    return f"Papago refused the request ({status}{', ' + code if code else ''})"
