"""A fake DeepL API on 127.0.0.1 that the official ``deepl`` package talks to
(``server_url=fake.server_url``). It serves ``POST /v2/translate`` with DeepL's rules:

- ``Authorization: DeepL-Auth-Key <key>`` and no other way (the ``auth_key`` parameter
  is gone): else 403;
- a JSON or form body (``text`` repeated) of at most 128 KiB, else 413; ``text`` a
  non-empty list of at most 50 strings and ``target_lang`` required, else 400;
- language codes case-insensitive; a target with regional variants needs one (``EN``
  and ``PT`` are refused, 400: DeepL deprecated them and the official package refuses
  them before sending); a source has none (``EN-US`` as a source is refused);
- a character quota (``quota=``): a request past it answers 456;
- the answer ``{"translations": [{"detected_source_language", "text"}]}``, with
  ``billed_characters`` when ``show_billed_characters`` is asked for.

Errors are ``{"message": ...}``. Switches (``fail_next`` for 429/456/5xx, ``garble_next``,
``hold``, ``translate``) are in ``machine_translation``.
"""

from __future__ import annotations

import http
from typing import Any

from tests.fakes.machine_translation import FakeTranslationService, Received

MAX_BODY = 128 * 1024
MAX_TEXTS = 50
TARGETS = {
    "AR", "BG", "CS", "DA", "DE", "EL", "EN-GB", "EN-US", "ES", "ET", "FI", "FR", "HU",
    "ID", "IT", "JA", "KO", "LT", "LV", "NB", "NL", "PL", "PT-BR", "PT-PT", "RO", "RU",
    "SK", "SL", "SV", "TR", "UK", "ZH", "ZH-HANS", "ZH-HANT",
}  # fmt: skip
SOURCES = {code.split("-")[0] for code in TARGETS}

_MESSAGES = {403: "Authorization failure", 456: "Quota Exceeded", 429: "Too many requests"}


class FakeDeepL(FakeTranslationService):
    """A fake DeepL (``async with FakeDeepL(auth_key=...) as fake``)."""

    def __init__(
        self, *, auth_key: str = "fake-deepl-key:fx", quota: int | None = None, **kw: Any
    ) -> None:
        """``quota``: characters left this billing period (None: no end)."""
        super().__init__(**kw)
        self.auth_key = auth_key
        self.quota = quota

    @property
    def server_url(self) -> str:
        """What ``deepl.DeepLClient(server_url=...)`` takes."""
        return self.base_url

    def error(self, status: int, code: str | None = None) -> tuple[int, Any]:
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:  # 456 is DeepL's own
            phrase = "Error"
        return status, {"message": _MESSAGES.get(status, phrase)}

    def respond(self, got: Received) -> tuple[int, Any]:
        if got.path != "/v2/translate":
            return self.error(404)
        if got.method != "POST":
            return self.error(405)
        if got.headers.get("Authorization") != f"DeepL-Auth-Key {self.auth_key}":
            return self.error(403)
        if got.size > MAX_BODY:
            return self.error(413)
        if got.body is None:
            return 400, {"message": "Invalid request: expected a JSON or form body"}
        body = got.body
        texts = body.get("text")
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            return 400, {"message": "Parameter 'text' not specified."}
        if len(texts) > MAX_TEXTS:
            return 413, {"message": f"Too many texts: at most {MAX_TEXTS} a request"}
        target = body.get("target_lang")
        if not isinstance(target, str) or not target:
            return 400, {"message": "Parameter 'target_lang' not specified."}
        target = target.upper()
        if target not in TARGETS:
            return 400, {"message": "Value for 'target_lang' not supported."}
        source = body.get("source_lang") or None
        if source is not None:
            if not isinstance(source, str) or source.upper() not in SOURCES:
                return 400, {"message": "Value for 'source_lang' not supported."}
            source = source.upper()
        characters = sum(len(t) for t in texts)
        if self.quota is not None:
            if characters > self.quota:
                return self.error(456)
            self.quota -= characters
        billed = body.get("show_billed_characters") in (True, "1", "true")
        translations = []
        for text in texts:
            one: dict[str, Any] = {
                "detected_source_language": source or self.detect(text).upper(),
                "text": self.translate(text, source, target),
            }
            if billed:
                one["billed_characters"] = len(text)
            translations.append(one)
        return 200, {"translations": translations}
