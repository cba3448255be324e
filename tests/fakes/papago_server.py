"""A fake NAVER Cloud Papago Text Translation on 127.0.0.1 (``url=fake.url``). It
serves ``POST /nmt/v1/translation`` with Papago's rules:

- the application's ``X-NCP-APIGW-API-KEY-ID`` and ``X-NCP-APIGW-API-KEY`` headers
  (names case-insensitive): else 401, error code ``200`` (Authentication Failed);
- a form or JSON body of at most 10 MB (413, ``430``); ``source`` (a language or
  ``auto``), ``target`` and ``text`` required, ``text`` at most 5,000 characters, the
  two languages different and a pair Papago translates: else 400 with ``N2MT01`` to
  ``N2MT08``;
- the answer ``{"message": {"result": {"srcLangType", "tarLangType",
  "translatedText"}}}``; errors ``{"error": {"errorCode", "message"}}``.

``fail_next(status, code=...)`` answers the gateway's failures (429 ``400`` Quota
Exceeded, 429 ``410`` Throttle Limited, 503 ``500``...); the other switches are in
``machine_translation``.
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.fakes.machine_translation import FakeTranslationService, Received

PATH = "/nmt/v1/translation"
MAX_TEXT = 5000
MAX_BODY = 10 * 1024 * 1024
LANGUAGES = {"ko", "en", "ja", "zh-CN", "zh-TW", "vi", "th", "id", "fr", "es", "ru", "de", "it"}
# Korean to and from all; English to and from these; Japanese and the two Chinese.
_PAIRS = {
    *((a, b) for a in LANGUAGES for b in LANGUAGES if "ko" in (a, b)),
    *itertools.chain.from_iterable(
        ((a, b), (b, a))
        for a, b in itertools.product(["en"], ["ja", "zh-CN", "zh-TW", "vi", "th", "id", "fr"])
    ),
    ("ja", "zh-CN"), ("zh-CN", "ja"), ("ja", "zh-TW"), ("zh-TW", "ja"),
    ("zh-CN", "zh-TW"), ("zh-TW", "zh-CN"),
}  # fmt: skip

# The gateway's and the translator's errors: status -> (default code, message).
_GATEWAY = {
    400: ("100", "Bad Request Exception"),
    401: ("200", "Authentication Failed"),
    404: ("300", "Not Found Exception"),
    413: ("430", "Request Entity Too Large"),
    429: ("400", "Quota Exceeded"),
    500: ("900", "Unexpected Error"),
    503: ("500", "Endpoint Error"),
    504: ("510", "Endpoint Timeout"),
}
_CODES = {
    "410": "Throttle Limited",
    "420": "Rate Limited",
    "N2MT01": "source parameter is needed",
    "N2MT02": "Unsupported source language",
    "N2MT03": "target parameter is needed",
    "N2MT04": "Unsupported target language",
    "N2MT05": "source and target must be different",
    "N2MT06": "There is no source-to-target translator",
    "N2MT07": "text parameter is needed",
    "N2MT08": "text parameter exceeds max length",
}


class FakePapago(FakeTranslationService):
    """A fake Papago (``async with FakePapago(...) as fake``)."""

    def __init__(
        self,
        *,
        client_id: str = "fake-papago-id",
        client_secret: str = "fake-papago-secret",
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.client_id = client_id
        self.client_secret = client_secret

    @property
    def url(self) -> str:
        """The translation endpoint (what PAPAGO_URL names)."""
        return self.base_url + PATH

    def error(self, status: int, code: str | None = None) -> tuple[int, Any]:
        default, message = _GATEWAY.get(status, ("900", "Unexpected Error"))
        code = code or default
        return status, {"error": {"errorCode": code, "message": _CODES.get(code, message)}}

    def respond(self, got: Received) -> tuple[int, Any]:
        if got.path != PATH or got.method != "POST":
            return self.error(404)
        if (
            got.headers.get("X-NCP-APIGW-API-KEY-ID") != self.client_id
            or got.headers.get("X-NCP-APIGW-API-KEY") != self.client_secret
        ):
            return self.error(401)
        if got.size > MAX_BODY:
            return self.error(413)
        if got.body is None:
            return self.error(400)
        source, target, text = (got.body.get(k) for k in ("source", "target", "text"))
        if not source:
            return self.error(400, "N2MT01")
        if source != "auto" and source not in LANGUAGES:
            return self.error(400, "N2MT02")
        if not target:
            return self.error(400, "N2MT03")
        if target not in LANGUAGES:
            return self.error(400, "N2MT04")
        if not isinstance(text, str) or not text:
            return self.error(400, "N2MT07")
        if len(text) > MAX_TEXT:
            return self.error(400, "N2MT08")
        found = source
        if source == "auto":
            found = {"zh": "zh-CN"}.get(detected := self.detect(text), detected)
        if found == target:
            return self.error(400, "N2MT05")
        if (found, target) not in _PAIRS:
            return self.error(400, "N2MT06")
        result = {
            "srcLangType": found,
            "tarLangType": target,
            "translatedText": self.translate(text, None if source == "auto" else source, target),
            "engineType": "N2MT",
        }
        return 200, {
            "message": {
                "@type": "response",
                "@service": "naverservice.nmt.proxy",
                "@version": "1.0.0",
                "result": result,
            }
        }
