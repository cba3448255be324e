"""The presenter screen's join code: served for a real session only, drawn by Chromium, and
read back from a screenshot as a phone's camera would read it."""

from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import Page, expect

from bot.core.dispatch import Core
from bot.core.model import UserRef
from tests.browser.chromium import save_screenshot
from tests.qr import decode_qr

JOIN = "https://forum.example.org/q/dialogue"


@pytest.fixture(autouse=True)
def public_address(core: Core) -> None:
    """The bot's public address, which the join code shows (site, tests/conftest.py, is
    where it listens)."""
    core.qa.web_url = "https://forum.example.org"


async def test_join_address_and_drawing_over_http(site: str, core: Core) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{site}/present/dialogue/join") as got:
            assert got.status == 200
            assert await got.json() == {"url": JOIN, "short": "forum.example.org/q/dialogue"}
        async with http.get(f"{site}/present/dialogue/join.svg") as svg:
            assert svg.status == 200 and svg.content_type == "image/svg+xml"
            assert svg.headers["Content-Security-Policy"].startswith("default-src 'none'")
            body = await svg.read()
            assert body.startswith(b"<svg") and b"<script" not in body
        for missing in ("nope", "%3Cb%3E", "x" * 300):
            for tail in ("join", "join.svg"):
                async with http.get(f"{site}/present/{missing}/{tail}") as gone:
                    assert gone.status == 404, missing
                    assert len(await gone.text()) < 100
        # Without a public address: the address the screen was opened at, as the guess,
        # when the bot knows only where it listens.
        core.qa.web_url = ""
        async with http.get(f"{site}/present/dialogue/join") as got:
            assert (await got.json())["url"] == f"{site}/q/dialogue"
        core.qa.web_url = "http://0.0.0.0:8080"
        lan = {"Host": "192.168.0.5:8080"}
        async with http.get(f"{site}/present/dialogue/join", headers=lan) as got:
            assert (await got.json())["url"] == "http://192.168.0.5:8080/q/dialogue"
        # Behind the TLS proxy, which says the screen was opened over https.
        proxied = {"Host": "hall.example.org", "X-Forwarded-Proto": "https"}
        async with http.get(f"{site}/present/dialogue/join", headers=proxied) as got:
            assert (await got.json())["url"] == "https://hall.example.org/q/dialogue"
        forged = {"Host": "h" * 400}
        async with http.get(f"{site}/present/dialogue/join.svg", headers=forged) as refused:
            assert refused.status == 400 and "too long" in await refused.text()


async def test_presenter_screen_shows_a_code_that_reads_as_the_join_address(
    site: str, core: Core, browser_page: Page
) -> None:
    """While Q&A is open the screen shows the code and the short address; Chromium's
    drawing of the code, photographed, reads back as the audience page's address. Closing
    Q&A hides both, live."""
    s = core.agenda.session("dialogue")
    assert s is not None
    page = browser_page
    await page.set_viewport_size({"width": 1280, "height": 720})
    await page.goto(f"{site}/present/dialogue")
    await expect(page.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
    join = page.locator("#join")
    await expect(join).to_be_visible(timeout=5000)
    await expect(page.locator("#join-url")).to_have_text("forum.example.org/q/dialogue")
    code = page.locator("#join-code")
    await expect(code).to_have_attribute("alt", JOIN)
    await page.wait_for_function(
        "() => { const i = document.getElementById('join-code');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    await save_screenshot(page, "presenter-join-code")
    assert decode_qr(await code.screenshot()) == [JOIN]
    # The whole screen, as a phone in the hall sees it, reads the same.
    assert decode_qr(await page.screenshot()) == [JOIN]
    box = await join.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 720 + 0.5, box

    await core.qa.set_open(s, False, UserRef("slack", "M1", "Mia"))
    await expect(join).to_be_hidden(timeout=2000)
