"""The Q&A presenter screen and moderators' page, over HTTP on 127.0.0.1: what they serve,
their live stream, the moderators' token and actions."""

from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import Page, expect

from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import UserRef
from tests.browser.chromium import save_screenshot
from tests.conftest import next_state, web_server

# browser_page: a real headless chromium page (this module's tests need Playwright).
# site: the bot's web server's base URL (tests/conftest.py).


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
            assert html.index("/static/site/live.js") < html.index("/static/qa/present.js")
        async with http.get(f"{site}/static/qa/present.js") as js:
            assert js.status == 200 and "textContent" in await js.text()
        async with http.get(f"{site}/static/site/live.js") as js:
            assert js.status == 200 and "EventSource" in await js.text()
        async with http.get(f"{site}/present/nope") as missing:
            assert missing.status == 404
        async with http.get(f"{site}/present/dialogue/events") as stream:
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            state = await next_state(stream)
            assert state["top"] == [
                {
                    "id": 1,
                    "text": "<b>Bold?</b> @everyone",
                    "votes": 0,
                    "author": "Dana",
                    "status": "approved",
                    "platform": "discord",
                    "lang": "en",
                    "edited": False,
                    "translations": {},
                }
            ]
            await core.qa.vote(UserRef("slack", "U9"), 1, add=True)
            state = await next_state(stream)
            assert state["top"][0]["votes"] == 1


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
            state = await next_state(stream)
            assert state["pending"] == [
                {
                    "id": 1,
                    "text": "Anonymous about costs",
                    "votes": 0,
                    "author": None,
                    "status": "pending",
                    "platform": "slack",  # the surface only: nothing of who asked
                    "lang": "en",
                    "edited": False,
                    "translations": {},
                }
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
        odd = headers | {"Content-Type": "application/json; charset=no-such-charset"}
        async with http.post(act, data=b'{"action": "approve", "id": 1}', headers=odd) as refused:
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
    # Which surface each came from: anonymous ones keep that much, and no more.
    await expect(page.locator('#top li[data-id="2"] .surface')).to_have_text("Slack")
    await expect(page.locator('#top li[data-id="3"] .surface')).to_have_text("Discord")
    await expect(page.locator("#highlight-meta")).to_have_text("Dana · Discord · ▲ 0")

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
    await expect(row.locator(".surface")).to_have_text("Slack")
    await row.locator('button[data-action="approve"]').click()
    await expect(laptop.locator(f'#approved li[data-id="{waiting.id}"]')).to_be_visible(
        timeout=2000
    )
    assert (await core.qa.question(waiting.id)).status == "approved"
    await expect(page.locator(f'#top li[data-id="{waiting.id}"]')).to_be_visible(timeout=2000)
    await save_screenshot(laptop, "moderator-page")


# -- typography: a long Korean question on a projector ---------------------------------------

# 500 characters, the longest question /ask takes; words such as 소재 and 이차전지 must not be
# cut in two ("소 / 재", "이차전 / 지") as Korean's default line breaking does.
LONG_KOREAN = (
    "차세대 이차전지 소재 연구에서 전고체 전해질과 양극 사이의 계면 저항을 줄이기 위해 "
    "어떤 코팅 공정과 열처리 조건이 가장 효과적이었는지, 그리고 황화물계 전해질의 수분 민감성 "
    "문제를 해결하지 못한 상태에서도 대면적 셀을 안정적으로 양산할 수 있다고 보시는지 "
    "궁금합니다. 또한 리튬 금속 음극의 덴드라이트 성장을 억제하는 보호층 기술이 실제 전기차용 "
    "배터리 팩의 충방전 수명과 안전성 기준을 만족시킬 만큼 성숙했는지, 나트륨 이온 전지와 "
    "비교했을 때 원가 경쟁력은 어느 정도로 예상하시는지, 재활용 공정에서 회수되는 니켈과 "
    "코발트의 순도가 새 소재를 대체할 수 있는 수준인지도 함께 설명해 주시면 감사하겠습니다. "
    "마지막으로 국내 연구기관과 해외의 석학들이 공동으로 추진할 수 있는 표준화 과제가 있다면 "
    "어떤 분야부터 시작하는 것이 바람직하다고 생각하시는지, 그리고 정부 지원 정책이 산업계의 "
    "투자 결정에 실질적인 영향을 주려면 무엇이 먼저 바뀌어야 하는지 구체적인 사례와 함께 꼭 "
    "듣고 싶습니다."
)
TOP_TEN = [
    "전고체 전지의 상용화는 언제쯤 가능할까요?",
    "How do you keep lithium-metal anodes safe over a thousand cycles in a real car?",
    "나트륨 이온 전지가 리튬 이온 전지를 대체할 수 있는 분야는 어디라고 보십니까? "
    "에너지 저장 장치와 소형 전기차 가운데 어느 쪽이 먼저일지 궁금합니다.",
    "실리콘 음극 소재의 부피 팽창 문제는 어디까지 해결되었나요?",
    "Which recycling route recovers the most lithium at the lowest cost today?",
    "이차전지 분리막의 열 안정성을 높이는 새로운 코팅 기술이 있나요?",
    "황화물계 고체 전해질을 대기 중에서 다룰 수 있는 공정이 개발되었습니까?",
    "What would you change first in Korea's battery research funding?",
    "차세대 양극 소재로 고니켈과 리튬 인산철 중 어느 쪽에 더 투자해야 할까요? "
    "원가와 안전성, 그리고 공급망의 안정성을 모두 고려했을 때의 의견을 듣고 싶습니다.",
    "배터리 화재를 조기에 감지하는 센서 기술은 어느 수준까지 왔나요?",
]

# Measures the presenter screen as drawn: what lies outside the viewport or is cut off at
# the bottom of the list, and every word (a run without spaces) that spans two lines.
MEASURE = """() => {
  const vw = window.innerWidth, vh = window.innerHeight;
  const box = (el) => el.getBoundingClientRect();
  const outside = [], clipped = [], split = [];
  const list = box(document.querySelector("section.top"));
  for (const el of document.querySelectorAll("header, #now, #top li, footer:not([hidden])")) {
    const r = box(el);
    if (r.top < -0.5 || r.left < -0.5 || r.bottom > vh + 0.5 || r.right > vw + 0.5) {
      outside.push(`${el.id || el.tagName} ${el.dataset.id || ""} bottom ${r.bottom} of ${vh}`);
    }
  }
  for (const li of document.querySelectorAll("#top li")) {
    if (box(li).bottom > list.bottom + 0.5) clipped.push(li.dataset.id);
  }
  const lineTops = (node, start, end) => {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    return [...range.getClientRects()].filter((r) => r.width > 0).map((r) => r.top);
  };
  for (const el of document.querySelectorAll("#highlight, #top .text")) {
    const node = el.firstChild;
    if (!node) continue;
    for (const m of node.data.matchAll(/\\S+/g)) {
      const tops = lineTops(node, m.index, m.index + m[0].length);
      if (Math.max(...tops) - Math.min(...tops) <= 4) continue;
      // Report it as the lines cut it: "소 / 재".
      let parts = [], last = null;
      for (let i = 0; i < m[0].length; i++) {
        const top = lineTops(node, m.index + i, m.index + i + 1)[0];
        if (last === null || Math.abs(top - last) > 4) parts.push("");
        parts[parts.length - 1] += m[0][i];
        last = top;
      }
      split.push(parts.join(" / "));
    }
  }
  const highlight = box(document.getElementById("highlight"));
  return {
    outside, clipped, split,
    overlap: highlight.bottom > list.top + 0.5,
    scrolls: document.documentElement.scrollHeight > vh + 0.5,
    highlightPx: parseFloat(getComputedStyle(document.getElementById("highlight")).fontSize),
    listPx: parseFloat(getComputedStyle(document.querySelector("#top li")).fontSize),
  };
}"""


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
async def test_presenter_screen_fits_a_500_character_korean_question(
    site: str, core: Core, browser_page: Page, width: int, height: int
) -> None:
    """Item 11: the highlighted 500-character question shrinks to fit above the top ten,
    everything stays on the screen, and no Korean word is broken across two lines."""
    assert len(LONG_KOREAN) == 500
    s = core.agenda.session("dialogue")
    assert s is not None
    mia = UserRef("slack", "M1", "Mia")
    for n, text in enumerate([LONG_KOREAN, *TOP_TEN]):
        q = (
            await core.qa.ask(UserRef("discord", str(n), f"참가자 {n}"), s, text, anonymous=False)
        ).question
        await core.qa.moderate(mia, q.id, "approve")
    await core.qa.moderate(mia, 1, "highlight")

    page = browser_page
    await page.set_viewport_size({"width": width, "height": height})
    await page.goto(f"{site}/present/dialogue")
    await expect(page.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
    await expect(page.locator("#highlight")).to_have_text(LONG_KOREAN)
    await expect(page.locator("#top li")).to_have_count(10)
    # Measured once the fonts are in and the page has drawn with them.
    await page.evaluate(
        "document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => r(1))))"
    )
    await save_screenshot(page, f"presenter-korean-500-{width}x{height}")
    got = await page.evaluate(MEASURE)
    assert got["split"] == [], f"Korean words broken across lines: {got['split']}"
    assert got["outside"] == [], f"off the {width}x{height} screen: {got['outside']}"
    assert got["clipped"] == [] and not got["overlap"] and not got["scrolls"], got
    # Shrunk, yet still readable on the screen it is shown on.
    assert got["highlightPx"] >= 12 and got["listPx"] >= 12, got


async def test_ask_hint_shows_only_while_qa_is_open(
    site: str, core: Core, browser_page: Page
) -> None:
    """Item 11: "Ask with /ask" is hidden while the session's Q&A is closed, and follows
    the moderators' open and close live."""
    s = core.agenda.session("dialogue")
    assert s is not None
    mia = UserRef("slack", "M1", "Mia")
    await core.qa.set_open(s, False, mia)
    page = browser_page
    await page.goto(f"{site}/present/dialogue")
    await expect(page.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
    await expect(page.locator("#status")).to_have_attribute("data-open", "false")
    hint = page.get_by_text("Ask with /ask")
    await expect(hint).to_be_hidden()
    await core.qa.set_open(s, True, mia)
    await expect(hint).to_be_visible(timeout=2000)
    await core.qa.set_open(s, False, mia)
    await expect(hint).to_be_hidden(timeout=2000)


async def test_a_run_without_spaces_wraps_instead_of_overflowing(
    site: str, core: Core, browser_page: Page
) -> None:
    """keep-all's fallback: a 300-character run with no space to break at still wraps
    inside the screen (overflow-wrap), rather than running off its right edge."""
    s = core.agenda.session("dialogue")
    assert s is not None
    run = "배터리" * 100
    q = (await core.qa.ask(UserRef("discord", "1", "Dana"), s, run, anonymous=False)).question
    mia = UserRef("slack", "M1", "Mia")
    await core.qa.moderate(mia, q.id, "approve")
    await core.qa.moderate(mia, q.id, "highlight")
    page = browser_page
    await page.set_viewport_size({"width": 1280, "height": 720})
    await page.goto(f"{site}/present/dialogue")
    await expect(page.locator("#highlight")).to_have_text(run, timeout=5000)
    got = await page.evaluate(
        """() => {
          const el = document.getElementById("highlight");
          const r = el.getBoundingClientRect();
          return {right: r.right, width: innerWidth, wider: el.scrollWidth > el.clientWidth,
                  lines: r.height / parseFloat(getComputedStyle(el).lineHeight)};
        }"""
    )
    assert got["right"] <= got["width"] and not got["wider"] and got["lines"] > 2, got


async def test_past_the_cap_on_streams_the_screen_polls_its_state(
    core: Core, clock: SimulatedClock, browser_page: Page
) -> None:
    """The server's one seat is taken: the presenter screen is refused its stream (503,
    "too many viewers") and shows the state it polls instead, with no error on the page."""
    async with web_server(core, clock, max_viewers=1) as server:
        site = f"http://127.0.0.1:{server.port}"
        s = core.agenda.session("dialogue")
        assert s is not None
        q = (
            await core.qa.ask(UserRef("web", "d1", "Phone"), s, "From a phone?", anonymous=True)
        ).question
        await core.qa.moderate(UserRef("slack", "M1", "Mia"), q.id, "approve")
        errors: list[str] = []
        browser_page.on("pageerror", lambda error: errors.append(str(error)))
        async with aiohttp.ClientSession() as http, http.get(f"{site}/present/dialogue/events"):
            assert server.seats.taken == 1
            await browser_page.goto(f"{site}/present/dialogue")
            body = browser_page.locator("body")
            await expect(body).to_have_attribute("data-state", "polling", timeout=5000)
            await expect(browser_page.locator("#top li .text")).to_have_text("From a phone?")
            await expect(browser_page.locator("#top li .surface")).to_have_text("Web · 웹")
            # The next poll (every 5 s) brings a vote.
            await core.qa.vote(UserRef("discord", "9"), q.id, add=True)
            votes = browser_page.locator("#top li .votes")
            await expect(votes).to_have_text("▲ 1", timeout=8000)
            await save_screenshot(browser_page, "presenter-polling")
        assert errors == []
