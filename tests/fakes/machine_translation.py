"""What the fake translation services (``deepl_server.FakeDeepL``,
``papago_server.FakePapago``) share: a server on 127.0.0.1, a record of the requests it
received, and the switches tests break it with:

- ``fail_next(status)``: the next answers are the service's own failure with that
  status (its error shape), before anything is checked;
- ``garble_next(how)``: the next answers come from something in between instead
  (``html-502``: a proxy's error page, ``html-200``: a login page, ``bad-json``: JSON cut
  short, ``wrong-json``: JSON of another shape, ``drop``: the connection closed unanswered);
- ``hold()``: an ``asyncio.Event``; answers wait until the test sets it (a slow service,
  without sleeping); closing the fake sets it;
- ``translate``: the translation function, by default the text marked with the target
  (``[EN-US] text``), and ``detect``, the language a text is found in (Hangul: Korean).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl

from aiohttp import web
from multidict import CIMultiDict

# (text, source in the service's code or None when asked to find it, target) -> text
Translate = Callable[[str, str | None, str], str]

GARBLED = {
    "html-502": (502, "text/html", "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>"),
    "html-200": (200, "text/html", "<html><body><form>Sign in to continue</form></body></html>"),
    "bad-json": (200, "application/json", '{"translations": [{"text": "cut sh'),
    "wrong-json": (200, "application/json", '{"ok": true, "result": ["not", "this"]}'),
}


def marked(text: str, source: str | None, target: str) -> str:
    """The default translation: the text, marked with its target (deterministic)."""
    return f"[{target}] {text}"


def detect(text: str) -> str:
    """The language a text is in, as ours: Hangul is Korean, kana Japanese, other CJK
    Chinese, anything else English."""
    for ch in text:
        if "\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f":
            return "ko"
        if "\u3040" <= ch <= "\u30ff":
            return "ja"
        if "\u4e00" <= ch <= "\u9fff":
            return "zh"
    return "en"


@dataclass
class Received:
    """One request the fake received, and the status it answered (0: garbled or
    not yet answered)."""

    method: str
    path: str
    headers: CIMultiDict[str]  # case-insensitive, as HTTP headers are
    body: dict[str, Any] | None  # the form (a repeated field as a list) or JSON; None: neither
    size: int  # bytes of the body
    status: int = 0
    answer: Any = field(default=None)


def parse_body(content_type: str, raw: bytes) -> dict[str, Any] | None:
    """A form or JSON object body as a dict; None when it is neither (or not UTF-8)."""
    try:
        if content_type == "application/json":
            data = json.loads(raw)
            return data if isinstance(data, dict) else None
        if content_type == "application/x-www-form-urlencoded":
            found: dict[str, Any] = {}
            for key, value in parse_qsl(raw.decode(), keep_blank_values=True, strict_parsing=False):
                if key in found:
                    before = found[key]
                    found[key] = [*before, value] if isinstance(before, list) else [before, value]
                else:
                    found[key] = value
            return found
    except ValueError:  # not JSON, not UTF-8
        return None
    return None


class FakeTranslationService:
    """A fake service on 127.0.0.1 (``async with Fake(...) as fake``); subclasses
    answer with ``respond`` and say how the service fails with ``error``."""

    # The largest body the server reads at all (a subclass refuses smaller ones itself).
    READ_LIMIT = 16 * 1024 * 1024

    def __init__(
        self, *, translate: Translate = marked, detect: Callable[[str], str] = detect
    ) -> None:
        self.translate = translate
        self.detect = detect
        self.received: list[Received] = []
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._failing: list[tuple[int, str | None]] = []
        self._garbled: list[str] = []
        self._held: asyncio.Event | None = None
        self._changed = asyncio.Condition()

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application(client_max_size=self.READ_LIMIT)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        """Answer whatever is held, and stop."""
        if self._held is not None:
            self._held.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    # ---------------------------------------------------------------- test knobs

    def fail_next(self, status: int, times: int = 1, code: str | None = None) -> None:
        """The next ``times`` requests fail with ``status`` (and the service's error
        ``code`` where it has codes) before anything is checked."""
        self._failing.extend([(status, code)] * times)

    def garble_next(self, how: str, times: int = 1) -> None:
        """The next ``times`` answers come from something in between (see the module)."""
        if how not in GARBLED and how != "drop":
            raise ValueError(f"unknown way to garble: {how}")
        self._garbled.extend([how] * times)

    def hold(self) -> asyncio.Event:
        """Hold every answer until the returned event is set (the request is recorded
        first, so ``wait_for_requests`` sees it arrive)."""
        self._held = asyncio.Event()
        return self._held

    async def wait_for_requests(self, count: int = 1, timeout: float = 5.0) -> Received:  # noqa: ASYNC109
        """The ``count``-th request received, waiting for it."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(self.received) >= count)
        return self.received[count - 1]

    # -------------------------------------------------------------------- serving

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        got = Received(
            request.method,
            request.path,
            CIMultiDict(request.headers),
            parse_body(request.content_type, raw),
            len(raw),
        )
        async with self._changed:
            self.received.append(got)
            self._changed.notify_all()
        if self._held is not None:
            await self._held.wait()
        if self._garbled:
            how = self._garbled.pop(0)
            if how == "drop":
                assert request.transport is not None
                request.transport.abort()
                return web.Response(status=500)  # never sent: the connection is gone
            status, content_type, text = GARBLED[how]
            return web.Response(status=status, text=text, content_type=content_type)
        if self._failing:
            status, payload = self.error(*self._failing.pop(0))
        else:
            status, payload = self.respond(got)
        got.status, got.answer = status, payload
        return web.json_response(payload, status=status)

    def respond(self, got: Received) -> tuple[int, Any]:
        """The service's answer to a request: status and JSON."""
        raise NotImplementedError

    def error(self, status: int, code: str | None = None) -> tuple[int, Any]:
        """The service's failure with ``status``: status and JSON."""
        raise NotImplementedError
