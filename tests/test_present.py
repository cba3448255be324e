"""The Q&A presenter screen and moderators' page, over HTTP on 127.0.0.1: what they serve,
their live stream, the moderators' token and actions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest_asyncio
from playwright.async_api import Page, expect

from bot.clock import SimulatedClock
from bot.core import Core
from bot.model import UserRef
from bot.web.server import WebServer
from tests.browser import save_screenshot
from tests.conftest import KST_0900

DIALOGUE_OPEN = KST_0900 + timedelta(hours=4, minutes=10)


async def _healthy() -> dict[str, str]:
    return {"status": "ok"}


@pytest_asyncio.fixture
async def site(core: Core, clock: SimulatedClock) -> AsyncIterator[str]:
    """The bot's web server with the Q&A pages, on a free port; its base URL."""
    clock.set(DIALOGUE_OPEN)
    server = WebServer("127.0.0.1", 0, _healthy, qa=core.qa)
    port = await server.start()
    yield f"http://127.0.0.1:{port}"
    await server.stop()


async def _first_event(response: aiohttp.ClientResponse) -> dict[str, object]:
    async for line in response.content:
        if line.startswith(b"data: "):
            data: dict[str, object] = json.loads(line[6:])
            return data
    raise AssertionError("the stream ended")


async def test_presenter_page_and_stream(site: str, core: Core) -> None:
    user = UserRef("discord", "42", "Dana")
    s = core.agenda.session("dialogue")
    assert s is not None
    await core.qa.ask(user, s, "<b>Bold?</b> @everyone", anonymous=False)
    await core.qa.moderate(UserRef("slack", "M1", "Mia"), 1, "approve")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{site}/present/dialogue") as page:
            assert page.status == 200
            assert "script-src 'self'" in page.headers["Content-Security-Policy"]
            html = await page.text()
            assert "/static/qa/present.js" in html and "Now answering" in html
        async with http.get(f"{site}/static/qa/present.js") as js:
            assert js.status == 200 and "textContent" in await js.text()
        async with http.get(f"{site}/present/nope") as missing:
            assert missing.status == 404
        async with http.get(f"{site}/present/dialogue/events") as stream:
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            state = await _first_event(stream)
            assert state["top"] == [
                {
                    "id": 1,
                    "text": "<b>Bold?</b> @everyone",
                    "votes": 0,
                    "author": "Dana",
                    "status": "approved",
                }
            ]
            await core.qa.vote(UserRef("slack", "U9"), 1, add=True)
            state = await _first_event(stream)
            assert state["top"][0]["votes"] == 1  # type: ignore[index]


async def test_moderator_page_needs_its_token_and_acts(site: str, core: Core) -> None:
    s = core.agenda.session("dialogue")
    assert s is not None
    await core.qa.ask(UserRef("slack", "U7", "Sam"), s, "Anonymous about costs", anonymous=True)
    token = core.qa.keys.token("moderate:dialogue")
    async with aiohttp.ClientSession() as http:
        for url in (
            f"{site}/moderate/dialogue",
            f"{site}/moderate/dialogue?token=wrong",
            f"{site}/moderate/dialogue/events",
            f"{site}/moderate/dialogue?token={core.qa.keys.token('moderate:opening')}",
        ):
            async with http.get(url) as denied:
                assert denied.status == 403, url
        async with http.post(
            f"{site}/moderate/dialogue/action", json={"action": "approve", "id": 1}
        ) as denied:
            assert denied.status == 403
        assert (await core.qa.question(1)).status == "pending"
        async with http.get(f"{site}/moderate/dialogue?token={token}") as page:
            assert page.status == 200 and "/static/qa/moderate.js" in await page.text()
        async with http.get(f"{site}/moderate/dialogue/events?token={token}") as stream:
            state = await _first_event(stream)
            assert state["pending"] == [
                {"id": 1, "text": "Anonymous about costs", "votes": 0, "author": None}
            ]
        headers = {"X-Moderator-Token": token}
        act = f"{site}/moderate/dialogue/action"
        async with http.post(
            act, json={"action": "reject", "id": 1, "reason": "dup"}, headers=headers
        ) as done:
            assert done.status == 200 and (await done.json())["ok"]
        q = await core.qa.question(1)
        assert q.status == "rejected" and q.reason == "dup"
        async with http.post(act, json={"action": "reject", "id": 1}, headers=headers) as again:
            assert again.status == 409
            assert (
                "already" in (await again.json())["error"]
                or "rejected" in (await again.json())["error"]
            )
        for bad in (
            {"action": "explode", "id": 1},
            {"action": "approve", "id": "x"},
            {"action": "approve", "id": 1, "reason": "a\x07b"},
            [1, 2],
        ):
            async with http.post(act, json=bad, headers=headers) as refused:
                assert refused.status == 400, bad
        async with http.post(act, data=b"{not json", headers=headers) as refused:
            assert refused.status == 400
        async with http.post(act, json={"action": "approve", "id": 999}, headers=headers) as gone:
            assert gone.status == 409
    log = await core.store.fetchall("SELECT action, actor_name FROM qa_log")
    assert [tuple(r) for r in log] == [("reject", "moderator (web)")]


async def test_presenter_screen_in_chromium_follows_votes_and_moderation(
    site: str, core: Core, browser_page: Page
) -> None:
    """The acceptance test: a vote made through the core changes the page within 2 s."""
    s = core.agenda.session("dialogue")
    assert s is not None
    mia = UserRef("slack", "M1", "Mia")
    asked = [
        (UserRef("discord", "1", "Dana"), "How do you keep lithium-metal anodes safe?", False),
        (UserRef("slack", "2", "Sam"), "전고체 전지의 상용화는 언제쯤 가능할까요?", True),
        (UserRef("discord", "3", "Eve"), "<b>bold</b> @everyone <script>alert(1)</script>", False),
    ]
    for user, question, anonymous in asked:
        q = (await core.qa.ask(user, s, question, anonymous=anonymous)).question
        await core.qa.moderate(mia, q.id, "approve")
    await core.qa.moderate(mia, 1, "highlight")

    page = browser_page
    await page.set_viewport_size({"width": 1600, "height": 900})
    await page.goto(f"{site}/present/dialogue")
    # Listening (the first state arrived) before anything changes.
    await expect(page.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
    await expect(page.locator("#highlight")).to_have_text(asked[0][1])
    await expect(page.locator("#top li")).to_have_count(2)
    hostile = page.locator('#top li[data-id="3"] .text')
    await expect(hostile).to_have_text(asked[2][1])  # literally, as text
    assert await page.locator("#top b, #top script").count() == 0
    await expect(page.locator('#top li[data-id="2"] .author')).to_have_text("Anonymous · 익명")

    await core.qa.vote(UserRef("discord", "9"), 2, add=True)
    await expect(page.locator('#top li[data-id="2"] .votes')).to_have_text("▲ 1", timeout=2000)
    await core.qa.moderate(mia, 2, "highlight")
    await expect(page.locator("#highlight")).to_have_text(asked[1][1], timeout=2000)
    await save_screenshot(page, "presenter-screen")

    # The moderators' page, from a laptop: approve a waiting question with a click.
    waiting = (
        await core.qa.ask(UserRef("slack", "4", "Kim"), s, "Waiting question?", anonymous=False)
    ).question
    assert waiting.status == "pending"
    token = core.qa.keys.token("moderate:dialogue")
    laptop = await page.context.new_page()
    await laptop.goto(f"{site}/moderate/dialogue?token={token}")
    row = laptop.locator(f'#pending li[data-id="{waiting.id}"]')
    await expect(row).to_be_visible(timeout=5000)
    await row.locator('button[data-action="approve"]').click()
    await expect(laptop.locator(f'#approved li[data-id="{waiting.id}"]')).to_be_visible(
        timeout=2000
    )
    assert (await core.qa.question(waiting.id)).status == "approved"
    await expect(page.locator(f'#top li[data-id="{waiting.id}"]')).to_be_visible(timeout=2000)
    await save_screenshot(laptop, "moderator-page")
