"""The audience's Q&A page in real Chromium on a phone's screen: ask in Korean, see the
moderators approve it, vote alongside Discord and Slack, and all of it with JavaScript off."""

from __future__ import annotations

import json

import pytest
from aiohttp import web
from playwright.async_api import Page, expect

from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import UserRef
from bot.settings import EventConfig
from bot.web.audience import AudiencePages
from bot.web.pages import add_assets
from bot.web.stream import Seats
from tests.browser.chromium import new_phone, save_screenshot
from tests.conftest import DIALOGUE_OPEN
from tests.fakes.slack_server import answer_at
from tests.fakes.world import on_both_platforms

# site (tests/conftest.py): the bot's web server's base URL.

D_HALL = "830000000000000001"  # the fake Discord's #grand-hall
QUESTION = "전고체 전지의 상용화는 언제쯤 가능할까요?"


async def test_ask_in_korean_on_a_phone_approve_and_vote_everywhere(
    site: str, core: Core, browser_page: Page
) -> None:
    phone_context = await new_phone(browser_page)
    phone = await phone_context.new_page()
    await phone.goto(f"{site}/q")
    await expect(phone).to_have_url(f"{site}/q/dialogue")
    await expect(phone.locator("html")).to_have_attribute("lang", "ko")
    await expect(phone.locator("body")).to_have_attribute("data-state", "live", timeout=5000)

    # Ask, with the labels a screen reader reads.
    await phone.get_by_label("질문 내용").fill(QUESTION)
    await phone.get_by_label("이름 (선택)").fill("김민수")
    await phone.get_by_role("button", name="질문 보내기").click()
    await expect(phone.locator("#notice")).to_contain_text("진행자 승인 후 공개됩니다")
    await expect(phone.get_by_label("질문 내용")).to_have_value("")
    await expect(phone.locator('#mine li[data-id="1"] .status')).to_have_text("승인 대기")
    q = await core.qa.question(1)
    assert (q.body, q.author_platform, q.author_name) == (QUESTION, "web", "김민수")
    await save_screenshot(phone, "audience-phone-asked")

    # The moderators' page sees it; a click approves it.
    token = core.qa.keys.token("moderate:dialogue")
    laptop = await browser_page.context.new_page()
    await laptop.goto(f"{site}/moderate/dialogue?token={token}")
    waiting = laptop.locator('#pending li[data-id="1"]')
    await expect(waiting).to_contain_text(QUESTION, timeout=5000)
    presenter = await browser_page.context.new_page()
    await presenter.set_viewport_size({"width": 1280, "height": 720})
    await presenter.goto(f"{site}/present/dialogue")
    await expect(presenter.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
    await waiting.locator('button[data-action="approve"]').click()

    # Within a second: on the phone's list, its own status, and the presenter screen.
    await expect(phone.locator('#questions li[data-id="1"] .text')).to_have_text(
        QUESTION, timeout=1000
    )
    await expect(presenter.locator('#top li[data-id="1"]')).to_be_visible(timeout=1000)
    await expect(phone.locator('#mine li[data-id="1"] .status')).to_have_text(
        "승인됨", timeout=1000
    )

    # Up-vote from the phone, by touch; the button becomes "withdraw" and keeps focus.
    vote = phone.locator('#questions li[data-id="1"] button')
    await expect(vote).to_have_text("▲ 추천")
    await vote.tap()
    await expect(phone.locator("#notice")).to_contain_text("#1 추천 완료")
    await expect(vote).to_have_text("추천 취소")
    # ... and from Discord and Slack: one count everywhere.
    await core.qa.vote(UserRef("discord", "9", "Dana"), 1, add=True)
    await core.qa.vote(UserRef("slack", "U9", "Sam"), 1, add=True)
    assert (await core.qa.question(1)).votes == 3
    await expect(phone.locator('#questions li[data-id="1"] .votes')).to_have_text(
        "▲ 추천 3", timeout=1000
    )
    await expect(presenter.locator('#top li[data-id="1"] .votes')).to_have_text("▲ 3", timeout=1000)
    await expect(laptop.locator('#approved li[data-id="1"] .votes')).to_have_text(
        "▲ 3", timeout=1000
    )
    # Withdrawn by keyboard: the count follows everywhere.
    await vote.focus()
    await phone.keyboard.press("Enter")
    await expect(vote).to_have_text("▲ 추천")
    await expect(presenter.locator('#top li[data-id="1"] .votes')).to_have_text("▲ 2", timeout=1000)
    await expect(phone.locator('#questions li[data-id="1"] .votes')).to_have_text("▲ 추천 2")
    # The list was drawn again around the button pressed: focus is still on that button.
    assert await phone.evaluate(
        "document.activeElement.matches('#questions li[data-id=\"1\"] button')"
    )
    await save_screenshot(phone, "audience-phone-live")
    await save_screenshot(laptop, "audience-moderator")
    await phone_context.close()


async def test_votes_from_a_phone_discord_and_slack_are_one_count_everywhere(
    monkeypatch: pytest.MonkeyPatch,
    core: Core,
    event_config: EventConfig,
    site: str,
    browser_page: Page,
) -> None:
    """The acceptance with the real clients: a question asked on the phone is up-voted
    there (by touch), by a Discord participant pressing ▲ under /questions (discord.py
    against the fake Discord) and by a Slack participant doing the same (slack-bolt
    against the fake Slack); the phone, the presenter screen, the moderators' page and
    each platform's /questions all say 3."""
    async with on_both_platforms(
        monkeypatch,
        core,
        event_config,
        discord_channels={
            "830000000000000001": "grand-hall",
            "830000000000000002": "qa-moderators",
        },
        slack_channels={"grand-hall": "C0HALL", "qa-moderators": "C0MODS"},
        serve_slack_http=True,
    ) as world:
        phone_context = await new_phone(browser_page)
        phone = await phone_context.new_page()
        await phone.goto(f"{site}/q/dialogue")
        await expect(phone.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
        await phone.get_by_label("질문 내용").fill(QUESTION)
        await phone.get_by_role("button", name="질문 보내기").click()
        await expect(phone.locator('#mine li[data-id="1"]')).to_be_visible()
        await core.qa.moderate(UserRef("slack", "M1", "Mia"), 1, "approve")
        vote = phone.locator('#questions li[data-id="1"] button')
        await vote.tap()
        await expect(vote).to_have_text("추천 취소")

        # Discord: /questions in the hall, then ▲ #1 on its answer.
        dana = world.discord.add_user("dana")
        pending = await world.discord.send_slash_command(
            "questions", {}, user=dana, channel_id=D_HALL
        )
        listed = await pending
        assert listed.status < 300 and pending.response_message_id is not None
        pressed = await (
            await world.discord.send_button(pending.response_message_id, "qa.vote|1", user=dana)
        )
        assert "Up-voted #1: 2 votes." in json.dumps(pressed.json, ensure_ascii=False)

        # Slack: the same, through the signed endpoint.
        assert world.slack_events_url is not None
        answer = await world.slack.send_command(
            world.slack_events_url, "/questions", user_id="U0SAM", channel_id="C0HALL"
        )
        assert answer.status == 200
        [(action_id, value)] = [
            (e["action_id"], e["value"])
            for block in answer.json()["blocks"]
            if block["type"] == "actions"
            for e in block["elements"]
            if e["action_id"].startswith("qa.vote")
        ]
        assert value == "1"
        resp = await world.slack.send_action(
            world.slack_events_url,
            action_id,
            value,
            user_id="U0SAM",
            channel_id="C0HALL",
            ephemeral=True,
        )
        assert resp.status == 200 and resp.response_url is not None
        said = await world.slack.wait_for(answer_at(resp.response_url))
        assert "Up-voted #1: 3 votes." in json.dumps(said.body, ensure_ascii=False)

        # One count everywhere, within a second on the pages.
        assert (await core.qa.question(1)).votes == 3
        token = core.qa.keys.token("moderate:dialogue")
        laptop = await browser_page.context.new_page()
        await laptop.goto(f"{site}/moderate/dialogue?token={token}")
        presenter = await browser_page.context.new_page()
        await presenter.goto(f"{site}/present/dialogue")
        await expect(phone.locator('#questions li[data-id="1"] .votes')).to_have_text(
            "▲ 추천 3", timeout=1000
        )
        await expect(presenter.locator('#top li[data-id="1"] .votes')).to_have_text(
            "▲ 3", timeout=5000
        )
        await expect(laptop.locator('#approved li[data-id="1"] .votes')).to_have_text(
            "▲ 3", timeout=5000
        )
        again = await world.discord.send_slash_command(
            "questions", {}, user=dana, channel_id=D_HALL
        )
        assert "#1 ▲3" in json.dumps((await again).json, ensure_ascii=False)
        slack_again = await world.slack.send_command(
            world.slack_events_url, "/questions", user_id="U0SAM", channel_id="C0HALL"
        )
        assert "#1 ▲3" in json.dumps(slack_again.json(), ensure_ascii=False)
        await save_screenshot(phone, "audience-three-surfaces")
        await phone_context.close()


async def test_a_rejected_question_shows_its_reason_on_the_phone(
    site: str, core: Core, browser_page: Page
) -> None:
    context = await new_phone(browser_page)
    phone = await context.new_page()
    await phone.goto(f"{site}/q/dialogue?lang=en")
    await expect(phone.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
    await phone.get_by_label("Question", exact=True).fill("<b>Anonymous</b> but sharp?")
    await phone.get_by_label("Ask anonymously").check()
    await phone.get_by_role("button", name="Send question").click()
    await expect(phone.locator("#notice")).to_contain_text("nobody, moderators included")
    await core.qa.moderate(UserRef("slack", "M1", "Mia"), 1, "reject", "Off topic")
    mine = phone.locator('#mine li[data-id="1"]')
    await expect(mine.locator(".status")).to_have_text("rejected", timeout=1000)
    await expect(mine.locator(".reason")).to_have_text("Reason: Off topic")
    await expect(mine.locator(".text")).to_have_text("<b>Anonymous</b> but sharp?")
    await save_screenshot(phone, "audience-phone-rejected")
    await context.close()


async def test_with_javascript_off_the_page_still_asks_and_votes(
    site: str, core: Core, browser_page: Page
) -> None:
    context = await new_phone(browser_page, javascript=False)
    phone = await context.new_page()
    await phone.goto(f"{site}/q/dialogue")
    await phone.get_by_label("질문 내용").fill("자바스크립트 없이도 질문할 수 있나요?")
    await phone.get_by_role("button", name="질문 보내기").click()
    await expect(phone.locator("#notice")).to_contain_text("감사합니다")
    await expect(phone.locator('#mine li[data-id="1"] .status')).to_have_text("승인 대기")
    await core.qa.moderate(UserRef("slack", "M1", "Mia"), 1, "approve")
    await phone.reload()
    vote = phone.locator('#questions li[data-id="1"] button')
    await vote.tap()
    await expect(phone.locator("#notice")).to_contain_text("#1 추천 완료")
    await expect(vote).to_have_text("추천 취소")
    await expect(phone.locator('#questions li[data-id="1"] .votes')).to_have_text("▲ 추천 1")
    assert (await core.qa.question(1)).votes == 1
    # A refused question comes back in the form to correct.
    await phone.get_by_label("질문 내용").fill("짧음")
    await phone.get_by_role("button", name="질문 보내기").click()
    await expect(phone.locator("#notice")).to_contain_text("너무 짧습니다")
    await expect(phone.get_by_label("질문 내용")).to_have_value("짧음")
    await save_screenshot(phone, "audience-phone-no-javascript")
    await context.close()


async def test_when_streams_are_full_the_page_polls(
    core: Core, clock: SimulatedClock, browser_page: Page
) -> None:
    """Past the cap on open streams the page says so and polls /state instead."""
    clock.set(DIALOGUE_OPEN)
    app = web.Application()
    AudiencePages(core.qa, seats=Seats(0), poll_seconds=0.2).add_routes(app)
    add_assets(app)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        context = await new_phone(browser_page)
        phone = await context.new_page()
        await phone.goto(f"http://127.0.0.1:{port}/q/dialogue")
        await expect(phone.locator("body")).to_have_attribute("data-state", "polling")
        await expect(phone.locator("#notice")).to_contain_text("몇 초마다")
        s = core.qa.session("dialogue")
        await core.qa.ask(UserRef("discord", "1", "Dana"), s, "Polled question?", anonymous=False)
        await core.qa.moderate(UserRef("slack", "M1", "Mia"), 1, "approve")
        await expect(phone.locator('#questions li[data-id="1"] .text')).to_have_text(
            "Polled question?", timeout=2000
        )
        await context.close()
    finally:
        await runner.cleanup()
