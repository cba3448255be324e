"""Live polls in real Chromium: the presenter screen with a poll in English and Korean at
1920x1080 and 1280x720 (screenshots in test-artifacts/), its bars following votes live;
a phone voting and changing its vote (with JavaScript and without); the moderators'
page making, opening, closing and taking a poll off the screen."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, expect

from bot.core.dispatch import Core
from bot.core.model import UserRef
from bot.i18n import L
from bot.polls import rules
from bot.storage.polls import Poll
from tests.browser.chromium import new_phone, save_screenshot

# browser_page: a real headless chromium page (tests/browser/chromium.py).
# site: the bot's web server's base URL, its clock in the dialogue (tests/conftest.py).

MIA = UserRef("slack", "M1", "Mia")
QUESTION = "Which next-generation battery reaches mass production first?"
QUESTION_KO = "어떤 차세대 배터리가 가장 먼저 양산될까요?"
OPTIONS = [
    ("All-solid-state", "전고체"),
    ("Sodium-ion", "나트륨 이온"),
    ("Lithium-sulfur", "리튬황"),
    ("Lithium-metal", "리튬 금속"),
]
# Ten options as long as a button takes ("10. English / 한국어" within 75 characters).
LONG_OPTIONS = [
    (f"Option {n}: a long English label about cells", f"{n}번: 차세대 이차전지 소재 항목")
    for n in range(1, 11)
]

# The presenter screen as drawn with a poll: what lies outside the viewport, whether the
# poll's section or the page overflows, each option's bar width and count, the sizes.
MEASURE = """() => {
  const vw = innerWidth, vh = innerHeight;
  const outside = [];
  for (const el of document.querySelectorAll("header, #poll, #poll-options li, footer")) {
    if (el.hidden || getComputedStyle(el).display === "none") continue;
    const r = el.getBoundingClientRect();
    if (r.top < -0.5 || r.left < -0.5 || r.bottom > vh + 0.5 || r.right > vw + 0.5) {
      outside.push(`${el.id || el.tagName} ${el.dataset.position || ""} ${r.bottom} of ${vh}`);
    }
  }
  const poll = document.getElementById("poll");
  const bars = [...document.querySelectorAll("#poll-options li")].map((li) => {
    const bar = li.querySelector(".bar"), fill = li.querySelector(".fill");
    return bar ? Math.round(100 * fill.getBoundingClientRect().width /
      bar.getBoundingClientRect().width) : null;
  });
  return {
    outside, bars,
    overflows: poll.scrollHeight > poll.clientHeight + 1,
    scrolls: document.documentElement.scrollHeight > vh + 0.5,
    qaShown: !document.querySelector("section.top").hidden ||
      !document.getElementById("now").hidden,
    optionPx: parseFloat(getComputedStyle(document.querySelector("#poll-options .ko")).fontSize),
    questionPx: parseFloat(getComputedStyle(document.querySelector("#poll-question .en")).fontSize),
  };
}"""


async def _make(core: Core, options: list[tuple[str, str]] = OPTIONS, **kw: Any) -> Poll:
    made = rules.draft(QUESTION, QUESTION_KO, [e for e, _ in options], [k for _, k in options])
    return await core.polls.create(MIA, made, session=core.qa.session("dialogue"), **kw)


async def _settled(page: Page) -> None:
    """Once the fonts are in and the page has drawn with them."""
    await page.evaluate(
        "document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => r(1))))"
    )


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
async def test_the_presenter_screen_shows_a_live_poll_in_both_languages(
    site: str, core: Core, browser_page: Page, width: int, height: int
) -> None:
    """The acceptance test: the poll in the Q&A's place, its question and options in
    English and Korean, bars, counts and shares following votes within 2 s, all of it on
    the screen."""
    s = core.qa.session("dialogue")
    for n in range(3):  # a Q&A under way, which the poll takes the place of
        q = (
            await core.qa.ask(UserRef("discord", str(n)), s, f"Question {n}?", anonymous=False)
        ).question
        await core.qa.moderate(MIA, q.id, "approve")
    poll = await _make(core)
    for n, option in enumerate((1, 1, 2, 4)):
        await core.polls.vote(UserRef("discord", f"v{n}"), poll, option)

    page = browser_page
    await page.set_viewport_size({"width": width, "height": height})
    await page.goto(f"{site}/present/dialogue")
    await expect(page.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
    section = page.locator("#poll")
    await expect(section).to_be_visible()
    await expect(page.locator("#poll-label")).to_have_text("Live poll · 실시간 투표")
    await expect(page.locator("#poll-question .en")).to_have_text(QUESTION)
    await expect(page.locator("#poll-question .ko")).to_have_text(QUESTION_KO)
    rows = page.locator("#poll-options li")
    await expect(rows).to_have_count(4)
    for i, (en, ko) in enumerate(OPTIONS):
        await expect(rows.nth(i).locator(".en")).to_have_text(en)
        await expect(rows.nth(i).locator(".ko")).to_have_text(ko)
    await expect(rows.locator(".count")).to_have_text(["2 · 50%", "1 · 25%", "0 · 0%", "1 · 25%"])
    await expect(page.locator("#poll-meta")).to_have_text("4 people voted · 4명 참여")
    await expect(page.locator("#vote-hint")).to_be_visible()
    await expect(page.get_by_text("Ask with /ask")).to_be_hidden()

    # Votes from anywhere move the bars live.
    await core.polls.vote(UserRef("slack", "U1"), await core.polls.get(poll.id), 3)
    await core.polls.vote(UserRef("web", "phone"), await core.polls.get(poll.id), 3)
    await expect(rows.locator(".count")).to_have_text(
        ["2 · 33%", "1 · 17%", "2 · 33%", "1 · 17%"], timeout=2000
    )
    await _settled(page)
    await save_screenshot(page, f"presenter-poll-{width}x{height}")
    got = await page.evaluate(MEASURE)
    assert got["outside"] == [] and not got["overflows"] and not got["scrolls"], got
    assert not got["qaShown"], got
    assert got["bars"] == [33, 17, 33, 17], got
    assert got["optionPx"] >= 12 and got["questionPx"] >= 16, got

    # Closed: the result, its leaders marked, until a moderator goes back to the Q&A.
    await core.polls.close(MIA, await core.polls.get(poll.id))
    await expect(page.locator("#poll-label")).to_have_text("Poll results · 투표 결과", timeout=2000)
    await expect(page.locator('#poll-options li[data-lead="true"]')).to_have_count(2)
    await expect(page.locator("#vote-hint")).to_be_hidden()
    await save_screenshot(page, f"presenter-poll-result-{width}x{height}")
    await core.polls.take_off(await core.polls.get(poll.id), "dialogue")
    await expect(section).to_be_hidden(timeout=2000)
    await expect(page.locator("#top li")).to_have_count(3)


async def test_ten_long_options_and_hidden_counts_fit_a_720p_projector(
    site: str, core: Core, browser_page: Page
) -> None:
    """The largest poll the rules allow fits at 1280x720 without scrolling or cutting,
    still legible; a hidden one shows its options and "results when the poll closes"."""
    for en, ko in LONG_OPTIONS:
        assert len(rules.option_label(10, L(en, ko))) <= rules.LABEL_MAX
    poll = await _make(core, LONG_OPTIONS, hidden=True)
    await core.polls.vote(UserRef("discord", "1"), poll, 7)
    page = browser_page
    await page.set_viewport_size({"width": 1280, "height": 720})
    await page.goto(f"{site}/present/dialogue")
    await expect(page.locator("#poll-options li")).to_have_count(10, timeout=5000)
    await expect(page.locator("#poll-meta")).to_have_text(
        "1 person voted · 1명 참여 · Results when the poll closes · 결과는 투표가 끝나면 공개됩니다"
    )
    assert await page.locator("#poll-options .bar, #poll-options .count").count() == 0
    await _settled(page)
    await save_screenshot(page, "presenter-poll-hidden-10-options-1280x720")
    got = await page.evaluate(MEASURE)
    assert got["outside"] == [] and not got["overflows"] and not got["scrolls"], got
    assert got["optionPx"] >= 12, got
    # Closed: every count at once, still on the screen.
    await core.polls.close(MIA, await core.polls.get(poll.id))
    await expect(page.locator("#poll-options .count")).to_have_count(10, timeout=2000)
    await expect(page.locator('#poll-options li[data-position="7"] .count')).to_have_text(
        "1 · 100%"
    )
    await _settled(page)
    got = await page.evaluate(MEASURE)
    assert got["outside"] == [] and not got["overflows"] and not got["scrolls"], got
    await save_screenshot(page, "presenter-poll-10-options-result-1280x720")


async def test_a_phone_votes_and_changes_its_vote_while_the_screen_follows(
    site: str, core: Core, browser_page: Page
) -> None:
    poll = await _make(core)
    screen = browser_page
    await screen.set_viewport_size({"width": 1280, "height": 720})
    await screen.goto(f"{site}/present/dialogue")
    await expect(screen.locator("body")).to_have_attribute("data-state", "live", timeout=5000)

    context = await new_phone(browser_page)
    phone = await context.new_page()
    errors: list[str] = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    await phone.goto(f"{site}/q/dialogue")
    await expect(phone.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
    box = phone.locator("#poll-1")
    await expect(box.locator(".poll-heading")).to_have_text("실시간 투표")
    await expect(box.locator(".poll-question")).to_have_text(QUESTION_KO)
    await expect(box.locator(".poll-other")).to_have_text(QUESTION)
    buttons = box.locator("button.option")
    await expect(buttons).to_have_count(4)
    await expect(buttons.nth(1).locator(".label")).to_have_text("2. 나트륨 이온")

    # A tap votes: told so, the button pressed, the count on the phone and the screen.
    await buttons.nth(1).tap()
    await expect(phone.locator("#notice")).to_contain_text(
        "투표 #1 에 투표했습니다: 2. 나트륨 이온"
    )
    await expect(buttons.nth(1)).to_have_attribute("aria-pressed", "true")
    await expect(box.locator('li[data-position="2"] .chosen')).to_have_text("✓ 내 선택")
    await expect(box.locator('li[data-position="2"] .count')).to_have_text("1표 (100%)")
    counts = screen.locator("#poll-options .count")
    await expect(counts).to_have_text(["0 · 0%", "1 · 100%", "0 · 0%", "0 · 0%"], timeout=2000)
    # Another tap changes the vote.
    await buttons.nth(2).tap()
    await expect(phone.locator("#notice")).to_contain_text("3. 리튬황(으)로 바꾸었습니다")
    await expect(buttons.nth(1)).to_have_attribute("aria-pressed", "false")
    await expect(buttons.nth(2)).to_have_attribute("aria-pressed", "true")
    await expect(counts).to_have_text(["0 · 0%", "0 · 0%", "1 · 100%", "0 · 0%"], timeout=2000)
    # Votes elsewhere reach the phone live, its own choice kept, its buttons where they
    # were (not swapped under a finger).
    first = await buttons.nth(0).element_handle()
    await core.polls.vote(UserRef("slack", "U7"), await core.polls.get(poll.id), 1)
    await expect(box.locator('li[data-position="1"] .count')).to_have_text(
        "1표 (50%)", timeout=2000
    )
    assert await first.evaluate("(b) => b.isConnected")
    await expect(buttons.nth(2)).to_have_attribute("aria-pressed", "true")
    await save_screenshot(phone, "audience-phone-poll")
    p = await core.polls.get(poll.id)
    assert (p.voters, [o.votes for o in p.options]) == (2, [1, 0, 1, 0])

    # Closed: the result, with no buttons, and the phone's choice still marked.
    await core.polls.close(MIA, p)
    await expect(box.locator(".poll-heading")).to_have_text("투표 결과", timeout=2000)
    await expect(box.locator("button")).to_have_count(0)
    await expect(box.locator('li[data-position="3"] .chosen')).to_have_text("✓ 내 선택")
    await save_screenshot(phone, "audience-phone-poll-result")
    assert errors == []
    await context.close()


async def test_with_javascript_off_a_phone_still_votes(
    site: str, core: Core, browser_page: Page
) -> None:
    poll = await _make(core, multiple=True)
    context = await new_phone(browser_page, javascript=False)
    phone = await context.new_page()
    await phone.goto(f"{site}/q/dialogue?lang=en")
    box = phone.locator("#poll-1")
    await expect(box.locator(".poll-hint")).to_contain_text("Multiple choice")
    await box.locator("button.option").nth(0).tap()
    await expect(phone).to_have_url(f"{site}/q/dialogue?order=top#polls")
    await expect(phone.locator("#notice")).to_contain_text("Added 1. All-solid-state")
    await box.locator("button.option").nth(3).tap()
    await expect(phone.locator("#notice")).to_contain_text(
        "Your choices: 1. All-solid-state, 4. Lithium-metal"
    )
    pressed = box.locator('button.option[aria-pressed="true"]')
    await expect(pressed).to_have_count(2)
    await save_screenshot(phone, "audience-phone-poll-no-javascript")
    p = await core.polls.get(poll.id)
    assert [o.votes for o in p.options] == [1, 0, 0, 1]
    await context.close()


async def test_the_moderators_page_makes_opens_closes_and_moves_on(
    site: str, core: Core, browser_page: Page
) -> None:
    token = core.qa.keys.token("moderate:dialogue")
    laptop = browser_page
    await laptop.set_viewport_size({"width": 1366, "height": 900})
    await laptop.goto(f"{site}/moderate/dialogue?token={token}")
    await expect(laptop.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
    await expect(laptop.locator("#polls-empty")).to_be_visible()
    await laptop.locator("#poll-new summary").click()
    await laptop.get_by_label("Question in English").fill(QUESTION)
    await laptop.get_by_label("Question in Korean").fill(QUESTION_KO)
    # A refusal first: one option is no poll; its message on the page, nothing stored.
    await laptop.get_by_label("Options in English").fill("All-solid-state")
    await laptop.locator('button[data-action="poll-create"]').click()
    await expect(laptop.locator("#message")).to_contain_text("at least 2 options")
    assert await core.polls.listing() == []
    await laptop.get_by_label("Options in English").fill("\n".join(e for e, _ in OPTIONS))
    await laptop.get_by_label("Options in Korean").fill("\n".join(k for _, k in OPTIONS))
    await laptop.locator("#poll-opens").select_option("later")
    await laptop.locator('button[data-action="poll-create"]').click()
    await expect(laptop.locator("#message")).to_have_text("Poll #1 made: not open yet · 열리기 전")
    row = laptop.locator('#polls li[data-poll="1"]')
    await expect(row).to_contain_text(QUESTION_KO, timeout=2000)
    await expect(laptop.get_by_label("Question in English")).to_have_value("")

    screen = await browser_page.context.new_page()
    await screen.goto(f"{site}/present/dialogue")
    await expect(screen.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
    await expect(screen.locator("#poll")).to_be_hidden()
    await row.locator('button[data-action="poll-open"]').click()
    await expect(screen.locator("#poll")).to_be_visible(timeout=2000)
    # Votes come in; the close button stays put under them (the same element).
    close = await row.locator('button[data-action="poll-close"]').element_handle()
    poll = await core.polls.get(1)
    for n in range(3):
        await core.polls.vote(UserRef("discord", str(n)), poll, 1 + n % 2)
    await expect(row.locator(".poll-counts li").first).to_contain_text("— 2 (67%)", timeout=2000)
    assert await close.evaluate("(b) => b.isConnected")
    await save_screenshot(laptop, "moderator-polls")
    await row.locator('button[data-action="poll-close"]').click()
    await expect(screen.locator("#poll-label")).to_have_text(
        "Poll results · 투표 결과", timeout=2000
    )
    await row.locator('button[data-action="poll-take-off"]').click()
    await expect(screen.locator("#poll")).to_be_hidden(timeout=2000)
    await expect(row.locator(".status")).to_have_text("closed · 마감")
    assert (await core.polls.get(1)).status == "closed"
