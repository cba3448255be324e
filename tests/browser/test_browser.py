"""The browser tests' infrastructure works: headless chromium follows a page's server-sent
events from an aiohttp server on 127.0.0.1, and draws Korean with real glyphs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio
from aiohttp import web
from playwright.async_api import Page, expect

from tests.browser.chromium import save_screenshot

# browser_page: a real headless chromium page (this module's tests need Playwright).

PAGE = """<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>SSE</title></head>
<body><p id="last">waiting</p>
<script>
const last = document.getElementById("last");
const source = new EventSource("/events");
source.onopen = () => { last.textContent = "listening"; };
source.onmessage = (event) => { last.textContent = event.data; };
</script></body></html>
"""


class Hub:
    """Fans events out to every open stream; None ends the streams."""

    def __init__(self) -> None:
        self.streams: list[asyncio.Queue[str | None]] = []
        self.listening = asyncio.Event()

    def publish(self, text: str | None) -> None:
        for queue in self.streams:
            queue.put_nowait(text)


class Site:
    """A tiny aiohttp app: the page and its event stream."""

    def __init__(self, url: str, hub: Hub) -> None:
        self.url = url
        self.hub = hub


@pytest_asyncio.fixture
async def site() -> AsyncIterator[Site]:
    hub = Hub()

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    async def events(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        hub.streams.append(queue)
        hub.listening.set()
        try:
            while (text := await queue.get()) is not None:
                await response.write(f"data: {text}\n\n".encode())
        finally:
            hub.streams.remove(queue)
        return response

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/events", events)
    # An open event stream would otherwise hold cleanup for 60 s.
    runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = int(runner.addresses[0][1])
    yield Site(f"http://127.0.0.1:{port}/", hub)
    hub.publish(None)
    await runner.cleanup()


async def test_page_shows_the_last_server_sent_event(browser_page: Page, site: Site) -> None:
    await browser_page.goto(site.url)
    async with asyncio.timeout(5):
        await site.hub.listening.wait()
    last = browser_page.locator("#last")
    await expect(last).to_have_text("listening", timeout=2000)
    site.hub.publish("Next: Q1")
    await expect(last).to_have_text("Next: Q1", timeout=2000)
    question = "Now answering: 전고체 배터리는 언제 상용화될까요?"
    site.hub.publish(question)
    await expect(last).to_have_text(question, timeout=2000)
    assert (await save_screenshot(browser_page, "browser-sse")).stat().st_size > 0


GLYPHS = """<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><style>
body { margin: 0; background: #fff; color: #000; font-family: sans-serif; }
span { display: inline-block; width: 200px; height: 200px; font-size: 160px;
       line-height: 200px; text-align: center; }
</style></head>
<body><span id="a">한</span><span id="b">글</span><span id="blank"></span></body></html>
"""


async def test_hangul_draws_real_glyphs(browser_page: Page) -> None:
    await browser_page.set_content(GLYPHS)
    await browser_page.evaluate("document.fonts.ready.then(() => true)")
    first = await browser_page.locator("#a").screenshot()
    second = await browser_page.locator("#b").screenshot()
    blank = await browser_page.locator("#blank").screenshot()
    await save_screenshot(browser_page, "browser-hangul")
    hint = "Korean is not drawn: install fonts-noto-cjk"
    # Compared as booleans, so a failure prints the hint rather than kilobytes of PNG.
    same = first == second
    empty = blank in (first, second)
    assert not same, f"한 and 글 look the same (empty boxes?). {hint}"
    assert not empty, f"a Hangul character draws nothing. {hint}"
