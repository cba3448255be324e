"""Live Q&A end to end on Discord and Slack at once: the real discord.py and slack-bolt
clients against the fakes on 127.0.0.1, one core, one Runtime (outbox, senders, card
edits), under a stopped simulated clock during the dialogue (5 Feb 2026, 13:10 KST).

A question asked on Discord and one asked on Slack land in one queue; a moderator
approves on Slack what was asked on Discord; votes from both platforms add up; what the
bot posts (moderators' notices, question cards and their coalesced edits) is checked as
the fakes received it."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bot.app import build_core
from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import UserRef
from bot.runtime import Runtime
from bot.settings import EventConfig
from bot.storage import Store
from bot.translation.deepl import DeepL
from tests.conftest import web_server
from tests.fakes.deepl_server import FakeDeepL
from tests.fakes.discord_server import FakeDiscord, PendingInteraction, RecordedRequest
from tests.fakes.machine import FakeTranslator
from tests.fakes.slack_server import AppResponse, Call, FakeSlack, Message, answer_at
from tests.fakes.world import Platforms, on_both_platforms

DIALOGUE_ON = datetime.fromisoformat("2026-02-05T13:10:00+09:00")
CARD_EDIT_SECONDS = 0.2  # config.qa.card_edit_seconds in these tests (2 s in the sample)
STORM_EDIT_SECONDS = 0.5  # for the vote storm: far longer than the storm itself takes

D_TOKEN = "discord-qa-token"
D_MODS, D_HALL = "810000000000000001", "810000000000000002"
D_ANNOUNCE, D_SCHEDULE = "810000000000000003", "810000000000000004"
D_MOD_ROLE = "820000000000000001"  # the id of the fake server's role named "Moderator"
D_MESSAGES = "POST /channels/{channel_id}/messages"
D_EDIT = "PATCH /channels/{channel_id}/messages/{message_id}"

S_SECRET = "qa-platforms-signing-secret"
S_TOKEN = "xoxb-qa-platforms"
S_MODS, S_HALL = "C0QAMODS", "C0HALL"
S_MOD = "U0MODMIA"  # in the user group @forum-moderators
S_ANON_ID, S_ANON_NAME = "U0ANON4242", "secret.sam"
S_CHANNELS = {
    "general": "C0GENERAL",
    "announcements": "C0ANNOUNCE",
    "schedule-updates": "C0SCHEDULE",
    "qa-moderators": S_MODS,
    "grand-hall": S_HALL,
}

BUTTONS = ("qa.approve", "qa.reject", "qa.highlight", "qa.answered")
# After the moderation steps, any question but a merged one offers Edit and Merge (and,
# with a machine-translation provider, Translate).
REVISING = ("qa.edit", "qa.merge")


# ---- what the fakes received, as text ----------------------------------------------------


def discord_text(message: dict[str, Any]) -> str:
    """A Discord message (or a callback's / edit's body) as one string."""
    data = message.get("data", message)
    parts = [data.get("content") or ""]
    for embed in data.get("embeds") or []:
        parts += [embed.get("title", ""), embed.get("description") or ""]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


def discord_buttons(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row["components"]]


def slack_text(blocks: list[dict[str, Any]]) -> str:
    out = []
    for b in blocks:
        if isinstance(b.get("text"), dict):
            out.append(b["text"]["text"])
        out += [f["text"] for f in b.get("fields", [])]
        out += [e["text"] for e in b.get("elements", []) if isinstance(e.get("text"), str)]
    return "\n".join(out)


def slack_buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (e["action_id"], e["value"])
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button"
    ]


def question_number(text: str) -> int:
    found = re.search(r"Question #(\d+)", text)
    assert found, text
    return int(found.group(1))


# ---- the world: both platforms, one core, one runtime -------------------------------------


@dataclasses.dataclass
class World:
    """What `on_both_platforms` gives, with the Q&A dialogue's helpers over it."""

    on: Platforms
    dana: dict[str, Any]  # a Discord participant

    @property
    def core(self) -> Core:
        return self.runtime.core

    @property
    def runtime(self) -> Runtime:
        return self.on.runtime

    @property
    def discord(self) -> FakeDiscord:
        return self.on.discord

    @property
    def slack(self) -> FakeSlack:
        return self.on.slack

    @property
    def slack_url(self) -> str:
        assert self.on.slack_events_url is not None  # served: `serve_slack_http=True`
        return self.on.slack_events_url

    async def settle(self) -> None:
        """Every queued post delivered and every pending card edit made."""
        for sender in self.runtime.senders.values():
            await sender.drain()
        await self.runtime.qa_notices.cards.idle()

    # Discord
    def d_user(self, name: str) -> dict[str, Any]:
        return self.discord.add_user(name)

    def d_posts(self, channel: str, title: str) -> list[dict[str, Any]]:
        """Messages in a Discord channel whose first embed's title contains `title`."""
        return [
            m
            for m in self.discord.channel_messages(channel)
            if any(title in e.get("title", "") for e in m.get("embeds") or [])
        ]

    def d_post(self, channel: str, title: str) -> dict[str, Any]:
        found = self.d_posts(channel, title)
        assert len(found) == 1, [discord_text(m) for m in self.discord.channel_messages(channel)]
        return found[0]

    def d_requests(self, route: str, message_id: str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in self.discord.requests
            if r.route == route and (message_id is None or r.params["message_id"] == message_id)
        ]

    async def d_slash(
        self, name: str, options: dict[str, Any], **who: Any
    ) -> tuple[PendingInteraction, dict[str, Any]]:
        pending = await self.discord.send_slash_command(name, options, **who)
        callback = await pending
        assert callback.status < 300, callback.response
        body: dict[str, Any] = callback.json
        return pending, body

    async def d_press(self, message_id: str, custom_id: str, **who: Any) -> dict[str, Any]:
        callback = await (await self.discord.send_button(message_id, custom_id, **who))
        assert callback.status < 300, callback.response
        body: dict[str, Any] = callback.json
        return body

    # Slack
    def s_posts(self, channel: str, title: str) -> list[Message]:
        """Messages in a Slack channel whose header contains `title`."""
        return [
            m
            for m in self.slack.messages_in(channel)
            if any(b["type"] == "header" and title in b["text"]["text"] for b in m.blocks or [{}])
        ]

    def s_post(self, channel: str, title: str) -> Message:
        found = self.s_posts(channel, title)
        assert len(found) == 1, [slack_text(m.blocks) for m in self.slack.messages_in(channel)]
        return found[0]

    def s_updates(self, ts: str) -> list[Call]:
        return [c for c in self.slack.calls_to("chat.update") if c.body.get("ts") == ts]

    async def s_command(
        self, line: str, user_id: str, channel_id: str, user_name: str | None = None
    ) -> dict[str, Any]:
        name, _, text = line.partition(" ")
        resp = await self.slack.send_command(
            self.slack_url,
            name,
            text,
            user_id=user_id,
            channel_id=channel_id,
            user_name=user_name or user_id.lower(),
        )
        assert resp.status == 200 and resp.elapsed < 3, resp.body
        body: dict[str, Any] = resp.json()
        return body

    async def s_press(
        self, message: Message, action_id: str, value: str, user_id: str
    ) -> tuple[AppResponse, Call]:
        """Press a button of a posted Slack message; the answer comes by response_url."""
        resp = await self.slack.send_action(
            self.slack_url,
            action_id,
            value,
            user_id=user_id,
            channel_id=message.channel,
            message_ts=message.ts,
        )
        assert resp.status == 200, resp.body
        url = resp.response_url
        answer = await self.slack.wait_for(
            lambda c: c.method == "response_url" and url is not None and c.path in url
        )
        return resp, answer


Start = Callable[..., Awaitable[World]]


def the_hall(
    monkeypatch: pytest.MonkeyPatch, core: Core, config: EventConfig
) -> AbstractAsyncContextManager[Platforms]:
    """The forum's Discord server and Slack workspace around `core`: the moderators',
    hall, announcements and schedule channels, a moderator role and user group, Slack's
    HTTP endpoint served."""
    return on_both_platforms(
        monkeypatch,
        core,
        config,
        discord_channels={
            D_MODS: "qa-moderators",
            D_HALL: "grand-hall",
            D_ANNOUNCE: "announcements",
            D_SCHEDULE: "schedule-updates",
        },
        slack_channels=S_CHANNELS,
        discord_token=D_TOKEN,
        discord_fake_roles=(),
        discord_roles=[("Moderator", D_MOD_ROLE), ("Organiser", None)],
        slack_token=S_TOKEN,
        slack_secret=S_SECRET,
        slack_usergroups={"S0MODS": [S_MOD]},
        slack_usergroup_handles={"S0MODS": "forum-moderators"},
        serve_slack_http=True,
    )


@pytest_asyncio.fixture
async def start(
    monkeypatch: pytest.MonkeyPatch, event_config: EventConfig, store: Store
) -> AsyncIterator[Start]:
    """The bot on the fake Discord and the fake Slack with the sample event's channels
    (`on_both_platforms`), under one core; everything stops after the test."""
    async with contextlib.AsyncExitStack() as stack:

        async def go(
            card_edit_seconds: float = CARD_EDIT_SECONDS,
            prepare: Callable[[Core], Awaitable[None]] | None = None,
        ) -> World:
            sample = event_config.platforms
            # The sample maps these names on both platforms: the fakes get channels of
            # those names, and the adapters find them by name as they would live.
            for platform in ("discord", "slack"):
                assert sample[platform].channels["moderators"] == "qa-moderators"
                assert sample[platform].rooms["grand-hall"] == "grand-hall"
            # Roles too are mapped by name (`moderator: [Moderator]`): interactions carry
            # role ids, which the guild discord.py cached from GUILD_CREATE names.
            assert sample["discord"].roles["moderator"] == ["Moderator"]
            qa = event_config.qa.model_copy(update={"card_edit_seconds": card_edit_seconds})
            config = event_config.model_copy(update={"qa": qa})
            core = await build_core(config, store, SimulatedClock(DIALOGUE_ON, speed=0))
            if prepare is not None:
                await prepare(core)  # before the runtime: nothing of it is posted
            on = await stack.enter_async_context(the_hall(monkeypatch, core, config))
            world = World(on, on.discord.add_user("dana"))
            await world.settle()  # whatever the start-up queued (nothing of Q&A's)
            return world

        yield go


# ---- the acceptance: one queue, moderated across platforms, votes add up -------------------


async def test_one_queue_approved_on_slack_votes_from_both_add_up(start: Start) -> None:
    world = await start()
    core = world.core

    # A Discord participant asks with the slash command, in the hall's channel.
    question = "How do you stop lithium dendrites in solid-state cells?"
    _, body = await world.d_slash("ask", {"question": question}, user=world.dana, channel_id=D_HALL)
    assert body["type"] == 4 and body["data"]["flags"] & 64  # only the asker sees it
    assert "will appear once a moderator approves it" in body["data"]["content"]
    d_qid = question_number(body["data"]["content"])

    # A Slack participant asks anonymously in the hall's channel.
    anonymous = "Who pays for the joint research, really?"
    answer = await world.s_command(
        f"/ask {anonymous} anonymous", S_ANON_ID, channel_id=S_HALL, user_name=S_ANON_NAME
    )
    assert answer["response_type"] == "ephemeral"
    said = slack_text(answer["blocks"])
    assert "will appear once a moderator approves it" in said
    assert "nobody, moderators included, can see who asked" in said
    s_qid = question_number(said)
    assert s_qid != d_qid

    # One queue: both wait for approval in the same session.
    queue = await core.qa.listing("dialogue", "new", 10, pending=True)
    assert {q.id for q in queue} == {d_qid, s_qid}
    assert {q.body for q in queue} == {question, anonymous}
    _, listing = await world.d_slash(
        "questions", {"order": "pending"}, user=world.d_user("mo"), roles=[D_MOD_ROLE]
    )
    shown = discord_text(listing)
    assert "dendrites" in shown and "joint research" in shown
    assert listing["data"]["flags"] & 64

    # The moderators' notice of each question is in the moderators' channel on both
    # platforms, with its four buttons.
    await world.settle()
    for qid, who in ((d_qid, "Dana (Discord)"), (s_qid, "Anonymous")):
        d_notice = world.d_post(D_MODS, f"New question #{qid}")
        assert who in discord_text(d_notice)
        assert discord_buttons(d_notice) == [f"{b}|{qid}" for b in (*BUTTONS, *REVISING)]
        s_notice = world.s_post(S_MODS, f"New question #{qid}")
        assert who in slack_text(s_notice.blocks)
        assert slack_buttons(s_notice.blocks) == [
            (f"{b}#{i}", str(qid)) for i, b in enumerate((*BUTTONS, *REVISING))
        ]
    for r in world.d_requests(D_MESSAGES):
        assert r.json["allowed_mentions"] == {"parse": []}

    # The anonymous asker is named nowhere in anything the bot sent either platform.
    sent = [r.json for r in world.discord.requests] + [c.body for c in world.slack.calls]
    everything = json.dumps(sent, ensure_ascii=False)
    assert anonymous in everything  # the question itself did go out
    assert S_ANON_ID not in everything and S_ANON_NAME not in everything

    # A Slack moderator approves, on Slack, the question asked on Discord.
    s_notice = world.s_post(S_MODS, f"New question #{d_qid}")
    _, said_back = await world.s_press(s_notice, "qa.approve#0", str(d_qid), S_MOD)
    assert f"Question #{d_qid} is approved." in slack_text(said_back.body["blocks"])
    assert said_back.body["response_type"] == "ephemeral"
    assert (await core.qa.question(d_qid)).status == "approved"
    assert (await core.qa.question(s_qid)).status == "pending"

    # A public card is posted to the grand hall's channel on both platforms.
    await world.settle()
    d_card = world.d_post(D_HALL, f"Question #{d_qid}")
    assert question in discord_text(d_card) and "Dana (Discord)" in discord_text(d_card)
    assert discord_buttons(d_card) == [f"qa.vote|{d_qid}"]
    s_card = world.s_post(S_HALL, f"Question #{d_qid}")
    assert question in slack_text(s_card.blocks)
    assert slack_buttons(s_card.blocks) == [("qa.vote#0", str(d_qid))]
    assert not world.d_posts(D_HALL, f"Question #{s_qid}")  # still pending: no card
    assert not world.s_posts(S_HALL, f"Question #{s_qid}")
    # The notices show the new status on both platforms.
    assert "approved" in discord_text(world.d_post(D_MODS, f"New question #{d_qid}"))
    assert "approved" in slack_text(world.s_post(S_MODS, f"New question #{d_qid}").blocks)

    # Votes: one on Discord, one on Slack, on the card each sees.
    ed = world.d_user("ed")
    voted = await world.d_press(d_card["id"], f"qa.vote|{d_qid}", user=ed)
    assert voted["type"] == 4 and voted["data"]["flags"] & 64
    assert f"Up-voted #{d_qid}: 1 vote." in voted["data"]["content"]
    _, s_voted = await world.s_press(s_card, "qa.vote#0", str(d_qid), "U0FRAN")
    assert f"Up-voted #{d_qid}: 2 votes." in slack_text(s_voted.body["blocks"])
    assert s_voted.body["response_type"] == "ephemeral"
    assert (await core.qa.question(d_qid)).votes == 2

    # The same Discord user again: told so, counted once.
    again = await world.d_press(d_card["id"], f"qa.vote|{d_qid}", user=ed)
    assert "You have already up-voted" in again["data"]["content"]
    assert again["data"]["flags"] & 64
    assert (await core.qa.question(d_qid)).votes == 2

    # Both cards end up showing the count from both platforms.
    await world.settle()
    assert "▲ 2 votes" in discord_text(world.discord.messages[d_card["id"]])
    final = world.slack.message(S_HALL, s_card.ts)
    assert final is not None and "▲ 2 votes" in slack_text(final.blocks)


# ---- a vote storm: card edits are coalesced ---------------------------------------------------


async def test_a_vote_storm_edits_each_card_a_few_times_with_the_final_count(
    start: Start,
) -> None:
    world = await start(card_edit_seconds=STORM_EDIT_SECONDS)
    _, body = await world.d_slash(
        "ask", {"question": "Will the count survive a storm of votes?"}, user=world.dana
    )
    qid = question_number(body["data"]["content"])
    # A Discord moderator approves it with /qa this time.
    _, approved = await world.d_slash(
        "qa", {"action": "approve", "id": qid}, user=world.d_user("mo"), roles=[D_MOD_ROLE]
    )
    assert f"Question #{qid} is approved." in approved["data"]["content"]
    await world.settle()
    d_card = world.d_post(D_HALL, f"Question #{qid}")
    s_card = world.s_post(S_HALL, f"Question #{qid}")
    d_before = len(world.d_requests(D_EDIT, d_card["id"]))
    s_before = len(world.s_updates(s_card.ts))

    # 20 people at once: 10 press the card's button on Discord, 10 on Slack.
    d_voters = [world.d_user(f"voter{i}") for i in range(10)]
    s_voters = [f"U0VOTER{i:02d}" for i in range(10)]
    loop = asyncio.get_running_loop()
    began = loop.time()
    answers = await asyncio.gather(
        *(world.d_press(d_card["id"], f"qa.vote|{qid}", user=u) for u in d_voters),
        *(world.s_press(s_card, "qa.vote#0", str(qid), u) for u in s_voters),
    )
    storm = loop.time() - began
    assert len(answers) == 20
    assert (await world.core.qa.question(qid)).votes == 20

    # Wait (on what the fakes receive, with a deadline) for each card's edit to 20.
    final = "▲ 20 votes"
    d_last = await world.discord.wait_for(
        lambda r: (
            r.route == D_EDIT
            and r.params["message_id"] == d_card["id"]
            and final in discord_text(r.json)
        )
    )
    s_last = await world.slack.wait_for(
        lambda c: (
            c.method == "chat.update"
            and c.body.get("ts") == s_card.ts
            and final in slack_text(c.body["blocks"])
        )
    )
    await world.runtime.qa_notices.cards.idle()  # and nothing more is on its way

    d_edits = world.d_requests(D_EDIT, d_card["id"])[d_before:]
    s_edits = world.s_updates(s_card.ts)[s_before:]
    # At most one edit per card per interval: the first vote's at once, then one per
    # interval while votes keep coming (the storm takes well under one interval here).
    most = 2 + int(storm / STORM_EDIT_SECONDS)
    for edits, last, shown in (
        (d_edits, d_last, [discord_text(r.json) for r in d_edits]),
        (s_edits, s_last, [slack_text(c.body["blocks"]) for c in s_edits]),
    ):
        assert 1 <= len(edits) <= min(most, 3), (len(edits), storm)
        assert all(e.status == 200 for e in edits)
        assert edits[-1] is last  # the last edit shows the exact final count
        counts = [int(re.findall(r"▲ (\d+) votes", text)[0]) for text in shown]
        assert counts == sorted(counts) and counts[-1] == 20, counts
    assert final in discord_text(world.discord.messages[d_card["id"]])
    stored = world.slack.message(S_HALL, s_card.ts)
    assert stored is not None and final in slack_text(stored.blocks)


# ---- moderation from either platform keeps both rooms' cards current ------------------------


async def test_highlight_answered_and_undo_show_on_both_platforms(start: Start) -> None:
    world = await start()
    mo = world.d_user("mo")
    _, body = await world.d_slash(
        "ask", {"question": "Which electrolyte survives 4.5 volts?"}, user=world.dana
    )
    qid = question_number(body["data"]["content"])
    await world.settle()
    await world.s_press(
        world.s_post(S_MODS, f"New question #{qid}"), "qa.approve#0", str(qid), S_MOD
    )
    await world.settle()
    d_card = world.d_post(D_HALL, f"Question #{qid}")
    s_card = world.s_post(S_HALL, f"Question #{qid}")

    def cards() -> tuple[str, list[str], str, list[tuple[str, str]]]:
        d = world.discord.messages[d_card["id"]]
        s = world.slack.message(S_HALL, s_card.ts)
        assert s is not None
        return discord_text(d), discord_buttons(d), slack_text(s.blocks), slack_buttons(s.blocks)

    # Highlight, pressed on the Discord notice by a Discord moderator.
    d_notice = world.d_post(D_MODS, f"New question #{qid}")
    pressed = await world.d_press(
        d_notice["id"], f"qa.highlight|{qid}", user=mo, roles=[D_MOD_ROLE]
    )
    assert f"Question #{qid} is now highlighted." in pressed["data"]["content"]
    assert pressed["data"]["flags"] & 64
    await world.settle()
    now_d = world.d_post(D_HALL, "Now answering")
    now_s = world.s_post(S_HALL, "Now answering")
    assert "4.5 volts" in discord_text(now_d) and "4.5 volts" in slack_text(now_s.blocks)
    assert "on screen now" in discord_text(world.discord.messages[d_notice["id"]])

    # Answered, pressed on the Slack notice: the cards lose their vote button.
    _, said = await world.s_press(
        world.s_post(S_MODS, f"New question #{qid}"), "qa.answered#1", str(qid), S_MOD
    )
    assert f"Question #{qid} is marked answered." in slack_text(said.body["blocks"])
    await world.settle()
    d_text, d_buttons, s_text, s_buttons = cards()
    assert "✓ Answered" in d_text and "✓ Answered" in s_text
    assert s_buttons == []  # (Discord: see the test of edits that drop buttons)

    # /qa undo on Discord, three times: answered, highlight, approval.
    for step in range(3):
        _, undone = await world.d_slash(
            "qa", {"action": "undo", "id": qid}, user=mo, roles=[D_MOD_ROLE]
        )
        assert "(the last action undone)" in undone["data"]["content"], undone
        await world.settle()
        if step == 0:
            d_text, d_buttons, s_text, s_buttons = cards()
            assert "✓ Answered" not in d_text and d_buttons == [f"qa.vote|{qid}"]
            assert "✓ Answered" not in s_text and s_buttons == [("qa.vote#0", str(qid))]
    assert (await world.core.qa.question(qid)).status == "pending"
    # Back to waiting for approval: the rooms no longer offer it to vote on.
    d_text, d_buttons, s_text, s_buttons = cards()
    assert "A moderator removed this question." in d_text and "4.5 volts" not in d_text
    assert "A moderator removed this question." in s_text and "4.5 volts" not in s_text
    assert s_buttons == []  # (Discord: see the test of edits that drop buttons)

    # Approved again: the same cards come back (no second card), with their button.
    d_posts_before = len(world.d_requests(D_MESSAGES))
    await world.s_press(
        world.s_post(S_MODS, f"New question #{qid}"), "qa.approve#0", str(qid), S_MOD
    )
    await world.settle()
    assert len(world.d_posts(D_HALL, f"Question #{qid}")) == 1
    assert len(world.s_posts(S_HALL, f"Question #{qid}")) == 1
    assert len(world.d_requests(D_MESSAGES)) == d_posts_before
    d_text, d_buttons, s_text, s_buttons = cards()
    assert "4.5 volts" in d_text and d_buttons == [f"qa.vote|{qid}"]
    assert "4.5 volts" in s_text and s_buttons == [("qa.vote#0", str(qid))]


async def test_the_moderators_notice_offers_the_buttons_of_each_new_state(start: Start) -> None:
    """Item 13: after each action, the notice on both platforms is edited (a PATCH on
    Discord, chat.update on Slack) to offer only the actions that apply now, and the
    moderator's confirmation reads naturally."""
    world = await start()
    mo = world.d_user("mo")
    _, body = await world.d_slash(
        "ask", {"question": "Which binder works for silicon anodes?"}, user=world.dana
    )
    qid = question_number(body["data"]["content"])
    await world.settle()
    d_id = world.d_post(D_MODS, f"New question #{qid}")["id"]
    s_ts = world.s_post(S_MODS, f"New question #{qid}").ts

    def edited(question: int, d_message: str, ts: str) -> tuple[list[str], list[str]]:
        """The buttons of the latest edit of a notice, as each fake received it; the
        stored messages show the same."""
        d_edit = world.d_requests(D_EDIT, d_message)[-1].json
        s_edit = world.s_updates(ts)[-1].body["blocks"]
        d_shown = world.discord.messages[d_message]
        s_shown = world.slack.message(S_MODS, ts)
        assert s_shown is not None
        assert discord_buttons(d_edit) == discord_buttons(d_shown)
        assert slack_buttons(s_edit) == slack_buttons(s_shown.blocks)
        d_actions = [custom.split("|")[0] for custom in discord_buttons(d_edit)]
        s_actions = [action.split("#")[0] for action, value in slack_buttons(s_edit)]
        assert all(custom.endswith(f"|{question}") for custom in discord_buttons(d_edit))
        assert all(value == str(question) for _, value in slack_buttons(s_edit))
        assert d_actions == s_actions, (d_actions, s_actions)
        return d_actions, [action for action, _ in slack_buttons(s_edit)]

    async def s_press(action: str, question: int, ts: str) -> str:
        """Press a button the Slack notice shows now; what the moderator is told."""
        notice = world.slack.message(S_MODS, ts)
        assert notice is not None
        (action_id,) = [a for a, _ in slack_buttons(notice.blocks) if a.startswith(action + "#")]
        _, said = await world.s_press(notice, action_id, str(question), S_MOD)
        return slack_text(said.body["blocks"])

    # Approved on Slack: no Approve any more, on either platform.
    said = await s_press("qa.approve", qid, s_ts)
    assert f"Question #{qid} is approved." in said and "it is now" not in said, said
    await world.settle()
    actions, s_ids = edited(qid, d_id, s_ts)
    assert actions == ["qa.reject", "qa.highlight", "qa.answered", *REVISING]
    assert s_ids == ["qa.reject#0", "qa.highlight#1", "qa.answered#2", "qa.edit#3", "qa.merge#4"]

    # Highlighted on Discord: Reject and Answered remain.
    pressed = await world.d_press(d_id, f"qa.highlight|{qid}", user=mo, roles=[D_MOD_ROLE])
    assert pressed["data"]["content"] == f"Question #{qid} is now highlighted."
    await world.settle()
    assert edited(qid, d_id, s_ts)[0] == ["qa.reject", "qa.answered", *REVISING]

    # Answered on Slack: only Highlight (to bring it back) applies.
    said = await s_press("qa.answered", qid, s_ts)
    assert f"Question #{qid} is marked answered." in said, said
    await world.settle()
    assert edited(qid, d_id, s_ts)[0] == ["qa.highlight", *REVISING]

    # Undone on Discord: approved and on screen again, with that state's buttons.
    _, undone = await world.d_slash(
        "qa", {"action": "undo", "id": qid}, user=mo, roles=[D_MOD_ROLE]
    )
    assert undone["data"]["content"] == (
        f"Question #{qid} is approved again (the last action undone)."
    )
    await world.settle()
    assert edited(qid, d_id, s_ts)[0] == ["qa.reject", "qa.answered", *REVISING]

    # A second question highlighted straight from waiting: approved too, said plainly;
    # the first one's notice offers Highlight again, since it left the screen.
    _, body = await world.d_slash(
        "ask", {"question": "And what about dry electrode coating?"}, user=world.d_user("eve")
    )
    other = question_number(body["data"]["content"])
    await world.settle()
    o_id = world.d_post(D_MODS, f"New question #{other}")["id"]
    o_ts = world.s_post(S_MODS, f"New question #{other}").ts
    pressed = await world.d_press(o_id, f"qa.highlight|{other}", user=mo, roles=[D_MOD_ROLE])
    assert pressed["data"]["content"] == f"Question #{other} is now highlighted (and approved)."
    await world.settle()
    assert edited(other, o_id, o_ts)[0] == ["qa.reject", "qa.answered", *REVISING]
    assert edited(qid, d_id, s_ts)[0] == ["qa.reject", "qa.highlight", "qa.answered", *REVISING]

    # Rejected on Slack: only Approve applies (and Edit, Merge).
    said = await s_press("qa.reject", other, o_ts)
    assert f"Question #{other} is rejected." in said, said
    await world.settle()
    assert edited(other, o_id, o_ts) == (
        ["qa.approve", *REVISING],
        ["qa.approve#0", "qa.edit#1", "qa.merge#2"],
    )


async def test_a_new_card_is_not_edited_until_something_changes(start: Start) -> None:
    world = await start()
    _, body = await world.d_slash(
        "ask", {"question": "Is a fresh card left alone?"}, user=world.dana
    )
    qid = question_number(body["data"]["content"])
    await world.settle()
    await world.s_press(
        world.s_post(S_MODS, f"New question #{qid}"), "qa.approve#0", str(qid), S_MOD
    )
    await world.settle()
    d_card = world.d_post(D_HALL, f"Question #{qid}")
    s_card = world.s_post(S_HALL, f"Question #{qid}")
    assert world.d_requests(D_EDIT, d_card["id"]) == []
    assert world.s_updates(s_card.ts) == []


async def test_a_vote_before_a_slow_card_is_posted_still_reaches_it(start: Start) -> None:
    """Slack holds the card's post back (rate limits, a slow answer) for longer than the
    card editor's patience used to last: the vote made meanwhile still shows on it."""
    world = await start(card_edit_seconds=0.01)
    _, body = await world.d_slash(
        "ask", {"question": "Does a slow card catch up?"}, user=world.dana
    )
    qid = question_number(body["data"]["content"])
    await world.settle()
    world.slack.answer_delays["chat.postMessage"] = 1.0
    await world.s_press(
        world.s_post(S_MODS, f"New question #{qid}"), "qa.approve#0", str(qid), S_MOD
    )
    await world.runtime.senders["discord"].drain()
    d_card = world.d_post(D_HALL, f"Question #{qid}")
    voted = await world.d_press(d_card["id"], f"qa.vote|{qid}", user=world.d_user("ed"))
    assert f"Up-voted #{qid}: 1 vote." in voted["data"]["content"]
    await world.settle()
    assert "▲ 1 vote" in discord_text(world.discord.messages[d_card["id"]])
    s_card = world.s_post(S_HALL, f"Question #{qid}")
    assert "▲ 1 vote" in slack_text(s_card.blocks), slack_text(s_card.blocks)


async def test_an_answered_card_loses_its_vote_button_on_discord(start: Start) -> None:
    world = await start()
    _, body = await world.d_slash("ask", {"question": "Does the button go away?"}, user=world.dana)
    qid = question_number(body["data"]["content"])
    mo = world.d_user("mo")
    for action in ("approve", "answered"):
        await world.d_slash("qa", {"action": action, "id": qid}, user=mo, roles=[D_MOD_ROLE])
        await world.settle()
    card = world.discord.messages[world.d_post(D_HALL, f"Question #{qid}")["id"]]
    assert "✓ Answered" in discord_text(card)
    assert discord_buttons(card) == []


# ---- roles: a participant cannot moderate -------------------------------------------------


async def test_a_participant_cannot_moderate_on_either_platform(start: Start) -> None:
    world = await start()
    _, body = await world.d_slash(
        "ask", {"question": "Is this question ever approved?"}, user=world.dana
    )
    qid = question_number(body["data"]["content"])
    await world.settle()
    d_before, s_before = len(world.discord.requests), len(world.slack.calls)

    _, refused = await world.d_slash(
        "qa", {"action": "approve", "id": qid}, user=world.d_user("pat")
    )
    assert refused["type"] == 4 and refused["data"]["flags"] & 64
    assert "Only moderators can use /qa." in refused["data"]["content"]
    # Nor the notice's button on Slack, for someone outside the moderators' group.
    _, pressed = await world.s_press(
        world.s_post(S_MODS, f"New question #{qid}"), "qa.approve#0", str(qid), "U0PAT"
    )
    assert "Only moderators can press this button." in slack_text(pressed.body["blocks"])
    assert pressed.body["response_type"] == "ephemeral"

    await world.settle()
    assert (await world.core.qa.question(qid)).status == "pending"
    assert await world.core.store.fetchall("SELECT * FROM qa_log") == []
    # Nothing posted or edited: the only traffic was the two answers (and, on Slack,
    # Bolt's first auth.test and the moderators' group looked up).
    assert [r.route for r in world.discord.requests[d_before:]] == [
        "POST /interactions/{webhook_id}/{webhook_token}/callback"
    ]
    writes = [c.method for c in world.slack.calls[s_before:] if c.method.startswith("chat.")]
    assert writes == [] and world.slack.calls[-1].method == "response_url"
    assert not world.d_posts(D_HALL, f"Question #{qid}")
    assert not world.s_posts(S_HALL, f"Question #{qid}")


# ---- hostile text pings nobody -----------------------------------------------------------


async def test_everyone_and_channel_in_a_question_ping_nobody(start: Start) -> None:
    world = await start()
    hostile = "@everyone <!channel> @here is this <@U0MODMIA> a *question*?"
    answer = await world.s_command(f"/ask {hostile}", "U0HOSTILE", channel_id=S_HALL)
    qid = question_number(slack_text(answer["blocks"]))
    assert (await world.core.qa.question(qid)).body == hostile  # kept as typed
    _, body = await world.d_slash(
        "ask", {"question": "Another one with @everyone and @here in it"}, user=world.dana
    )
    other = question_number(body["data"]["content"])
    await world.settle()

    # Approved by a Slack moderator: the card goes to the hall too.
    await world.s_press(
        world.s_post(S_MODS, f"New question #{qid}"), "qa.approve#0", str(qid), S_MOD
    )
    await world.settle()

    for channel in (D_MODS, D_HALL):
        title = "New question" if channel == D_MODS else "Question"
        text = discord_text(world.d_post(channel, f"{title} #{qid}"))
        assert "@\u200beveryone" in text and "@\u200bhere" in text
        assert "@everyone" not in text and "@here" not in text
        assert "\\<!channel\\>" in text and "\\<@U0MODMIA\\>" in text
    assert "@\u200beveryone" in discord_text(world.d_post(D_MODS, f"New question #{other}"))
    # Every post and edit on Discord allows no mention at all.
    writes = world.d_requests(D_MESSAGES) + world.d_requests(D_EDIT)
    assert len(writes) >= 4
    for r in writes:
        assert r.json["allowed_mentions"] == {"parse": []}, r.json

    for posted in (
        world.s_post(S_MODS, f"New question #{qid}"),
        world.s_post(S_HALL, f"Question #{qid}"),
    ):
        text = slack_text(posted.blocks) + posted.text
        assert "&lt;!channel&gt;" in text and "&lt;@U0MODMIA&gt;" in text
        assert "<!channel>" not in text and "<@U0MODMIA>" not in text
        assert "<!here" not in text and "<!everyone" not in text
    for update in world.slack.calls_to("chat.update"):
        text = slack_text(update.body["blocks"])
        assert "<!channel>" not in text and "<@" not in text


# ---- /questions in pages: #11-#30 are read and up-voted on either platform -----------------


async def test_questions_come_in_pages_whose_vote_buttons_work_on_both_platforms(
    start: Start,
) -> None:
    """Item 12: thirty approved questions; /questions shows #1-#10 with their ▲, "Page 1
    of 3" and Next; Next replaces the ephemeral answer with #11-#20 and their ▲, which
    take votes, on Discord (components) and Slack (Block Kit buttons) alike."""
    ids: list[int] = []

    async def thirty_questions(core: Core) -> None:
        dialogue = core.agenda.session("dialogue")
        assert dialogue is not None
        mod = UserRef("slack", S_MOD, "mia")
        for i in range(1, 31):
            asker = UserRef("slack", f"U0ASKER{i:02d}", f"asker{i}")
            body = f"Question {i}: do cells age at {i}C?"
            asked = await core.qa.ask(asker, dialogue, body, anonymous=False)
            await core.qa.moderate(mod, asked.question.id, "approve")
            ids.append(asked.question.id)

    world = await start(prepare=thirty_questions)
    core = world.core

    def numbers(text: str) -> list[int]:
        return [int(n) for n in re.findall(r"^\\?#(\d+) ▲", text, re.MULTILINE)]

    # Discord: the slash command, then Next on the ephemeral answer, then ▲ on page 2.
    pending, body = await world.d_slash("questions", {}, user=world.dana, channel_id=D_HALL)
    assert body["type"] == 4 and body["data"]["flags"] & 64
    assert numbers(body["data"]["embeds"][0]["description"]) == ids[:10]
    assert "Page 1 of 3" in discord_text(body)
    assert discord_buttons(body["data"]) == [
        *(f"qa.vote|{q}" for q in ids[:10]),
        "page|2|qa.list|dialogue|top",
    ]
    message_id = pending.response_message_id
    assert message_id is not None
    turned = await world.d_press(message_id, "page|2|qa.list|dialogue|top", user=world.dana)
    assert turned["type"] == 7  # the same message, now page 2
    shown = world.discord.messages[message_id]
    assert numbers(shown["embeds"][0]["description"]) == ids[10:20]
    assert "Page 2 of 3" in discord_text(shown)
    assert discord_buttons(shown) == [
        *(f"qa.vote|{q}" for q in ids[10:20]),
        "page|1|qa.list|dialogue|top",
        "page|3|qa.list|dialogue|top",
    ]
    voted = await world.d_press(message_id, f"qa.vote|{ids[14]}", user=world.dana)
    assert f"Up-voted #{ids[14]}: 1 vote." in discord_text(voted)
    assert voted["type"] == 4  # a message of its own: page 2 stays to vote again
    assert "Page 2 of 3" in discord_text(world.discord.messages[message_id])
    assert (await core.qa.question(ids[14])).votes == 1

    # Slack: the same list in the ack; Next and then ▲ on page 2, pressed on that
    # ephemeral answer, come back through response_url.
    answer = await world.s_command("/questions", "U0FRAN", channel_id=S_HALL)
    assert answer["response_type"] == "ephemeral"
    text = slack_text(answer["blocks"])
    assert numbers(text) == [ids[14], *ids[:9]] and "Page 1 of 3" in text  # #15 leads now
    buttons = slack_buttons(answer["blocks"])
    assert buttons[-1] == ("page#10", "2|qa.list|dialogue|top")

    async def press(action: str, value: str, *, in_place: bool = True) -> dict[str, Any]:
        resp = await world.slack.send_action(
            world.slack_url, action, value, user_id="U0FRAN", channel_id=S_HALL, ephemeral=True
        )
        assert resp.status == 200 and resp.response_url
        call = await world.slack.wait_for(answer_at(resp.response_url))
        assert call.status == 200 and call.body["replace_original"] is in_place
        body: dict[str, Any] = call.body
        return body

    page2 = await press(*buttons[-1])
    text = slack_text(page2["blocks"])
    assert numbers(text) == ids[9:14] + ids[15:20] and "Page 2 of 3" in text
    votes = [b for b in slack_buttons(page2["blocks"]) if b[0].startswith("qa.vote#")]
    assert [int(v) for _, v in votes] == ids[9:14] + ids[15:20]
    # ▲ on #20: the confirmation comes apart, and the list stays to vote again.
    said = await press(*votes[-1], in_place=False)
    assert f"Up-voted #{ids[19]}: 1 vote." in slack_text(said["blocks"])
    assert (await core.qa.question(ids[19])).votes == 1


# ---- edit, merge and translate on both platforms (and the web audience's votes) -------------


class Phone:
    """One phone on the audience page (`/q/dialogue`): its own cookie jar is its device."""

    def __init__(self, base: str) -> None:
        self.client = aiohttp.ClientSession(
            base_url=base, cookie_jar=aiohttp.CookieJar(unsafe=True)
        )
        self.token = ""

    async def vote(self, qid: int) -> tuple[int, dict[str, Any]]:
        """Up-vote as audience.js does (fetch with the page's CSRF token): status, answer."""
        if not self.token:
            async with self.client.get("/q/dialogue") as page:
                found = re.search(r'name="csrf" value="([0-9a-f]+)"', await page.text())
            assert found
            self.token = found.group(1)
        headers = {"Accept": "application/json", "X-CSRF-Token": self.token}
        async with self.client.post(
            "/q/dialogue/vote", data={"id": str(qid)}, headers=headers
        ) as done:
            answer: dict[str, Any] = await done.json()
            return done.status, answer


def card_edits(world: World, d_card: dict[str, Any], s_card: Message) -> tuple[int, int]:
    """How many edits a card has had on each platform so far."""
    return len(world.d_requests(D_EDIT, d_card["id"])), len(world.s_updates(s_card.ts))


def shown(world: World, d_card: dict[str, Any], s_card: Message) -> tuple[str, str]:
    """A card as each platform shows it now (Discord's markdown escapes taken out)."""
    s = world.slack.message(s_card.channel, s_card.ts)
    assert s is not None
    d = re.sub(r"\\(.)", r"\1", discord_text(world.discord.messages[d_card["id"]]))
    return d, slack_text(s.blocks)


async def test_a_merge_counts_each_voter_once_across_discord_slack_and_the_web(
    start: Start,
) -> None:
    """Two questions asking the same thing, voted on from Discord, Slack and two phones,
    some people voting for both; merged by a Slack moderator, each person counts once
    for the one kept; the merged one's cards say where it went, its asker is told in
    their language; undone on Discord, both come back with their counts."""
    world = await start()
    core = world.core
    clock = core.clock
    assert isinstance(clock, SimulatedClock)
    mo = world.d_user("mo")
    _, body = await world.d_slash(
        "ask", {"question": "How long do sodium-ion cells last?"}, user=world.dana
    )
    a = question_number(body["data"]["content"])
    answer = await world.s_command(
        "/ask What is the cycle life of sodium-ion cells?", "U0BEA", S_HALL, "bea"
    )
    b = question_number(slack_text(answer["blocks"]))
    await world.s_command("/language ko", "U0BEA", S_HALL, "bea")  # B's asker reads Korean
    for qid in (a, b):
        await world.d_slash("qa", {"action": "approve", "id": qid}, user=mo, roles=[D_MOD_ROLE])
    await world.settle()
    d_a, s_a = world.d_post(D_HALL, f"Question #{a}"), world.s_post(S_HALL, f"Question #{a}")
    d_b, s_b = world.d_post(D_HALL, f"Question #{b}"), world.s_post(S_HALL, f"Question #{b}")

    async with web_server(core, clock) as server:
        base = f"http://127.0.0.1:{server.port}"
        phones = [Phone(base), Phone(base)]
        try:
            # Both questions: ed on Discord, fran on Slack, the first phone. Only #a: hal
            # on Discord. Only #b: gus on Discord, gil on Slack, the second phone.
            ed, hal, gus = world.d_user("ed"), world.d_user("hal"), world.d_user("gus")
            for qid, d_card, s_card in ((a, d_a, s_a), (b, d_b, s_b)):
                await world.d_press(d_card["id"], f"qa.vote|{qid}", user=ed)
                await world.s_press(s_card, "qa.vote#0", str(qid), "U0FRAN")
                assert (await phones[0].vote(qid))[0] == 200
            await world.d_press(d_a["id"], f"qa.vote|{a}", user=hal)
            await world.d_press(d_b["id"], f"qa.vote|{b}", user=gus)
            await world.s_press(s_b, "qa.vote#0", str(b), "U0GIL")
            assert (await phones[1].vote(b))[0] == 200
            assert (await core.qa.question(a)).votes == 4
            assert (await core.qa.question(b)).votes == 6
            await world.settle()
            before = {k: card_edits(world, *c) for k, c in (("a", (d_a, s_a)), ("b", (d_b, s_b)))}

            said = await world.s_command(f"/qa-merge {b} {a}", S_MOD, S_MODS)
            assert f"Question #{b} is merged into #{a}, which has 7 votes now." in slack_text(
                said["blocks"]
            )
            assert (await core.qa.question(a)).votes == 7  # hal, ed, fran, gus, gil, 2 phones
            await world.settle()
            # One edit of each card on each platform: #a's count, #b's new state.
            for key, (d_card, s_card) in (("a", (d_a, s_a)), ("b", (d_b, s_b))):
                d_before, s_before = before[key]
                assert card_edits(world, d_card, s_card) == (d_before + 1, s_before + 1)
            for text in shown(world, d_a, s_a):
                assert "▲ 7 votes" in text
            assert discord_buttons(world.discord.messages[d_a["id"]]) == [f"qa.vote|{a}"]
            for text in shown(world, d_b, s_b):
                assert f"Merged into question #{a}, which asks the same" in text
                assert "cycle life" in text and "▲" not in text
            assert discord_buttons(world.discord.messages[d_b["id"]]) == []
            s_shown = world.slack.message(S_HALL, s_b.ts)
            assert s_shown is not None and slack_buttons(s_shown.blocks) == []
            # The moderators' notices: #b merged, with no button; #a's new count.
            for text, buttons in (
                (
                    discord_text(world.d_post(D_MODS, f"#{b}")),
                    discord_buttons(world.d_post(D_MODS, f"#{b}")),
                ),
                (
                    slack_text(world.s_post(S_MODS, f"#{b}").blocks),
                    slack_buttons(world.s_post(S_MODS, f"#{b}").blocks),
                ),
            ):
                assert f"merged into #{a}" in text and buttons == []
            assert "▲ 7 votes" in slack_text(world.s_post(S_MODS, f"#{a}").blocks)
            # Its asker hears of it in Korean, by DM on Slack.
            dms = [m for m in world.slack.messages if m.channel.startswith("D")]
            assert len(dms) == 1
            assert f"#{a}에 병합했습니다" in slack_text(dms[0].blocks) + dms[0].text
            # The web: a vote for #b is refused with where to vote; the first phone's
            # vote for #a was counted through the merge.
            status, refused = await phones[1].vote(b)
            assert status == 409 and f"up-vote #{a} instead" in refused["message"]
            status, again = await phones[0].vote(a)
            assert status == 200 and "already up-voted" in again["message"]

            _, undone = await world.d_slash(
                "qa", {"action": "undo", "id": b}, user=mo, roles=[D_MOD_ROLE]
            )
            assert undone["data"]["content"] == (
                f"Question #{b} is back, and #{a} has 4 votes again."
            )
            await world.settle()
            assert "▲ 4 votes" in shown(world, d_a, s_a)[0]
            assert "▲ 4 votes" in shown(world, d_a, s_a)[1]
            for text in shown(world, d_b, s_b):
                assert "▲ 6 votes" in text and "Merged" not in text
            assert discord_buttons(world.discord.messages[d_b["id"]]) == [f"qa.vote|{b}"]
            status, _ = await phones[1].vote(b)
            assert status == 200 and (await core.qa.question(b)).votes == 6  # already counted
        finally:
            for phone in phones:
                await phone.client.close()


async def test_edit_translation_votes_and_a_merge_reach_each_card_in_few_edits(
    start: Start,
) -> None:
    """A burst of changes to one question (its text edited on Discord, a Korean
    translation typed on Slack, votes from both, another question merged into it) reaches
    its card on both platforms within the coalescing: at most one edit per card per
    interval, the last showing all of it."""
    world = await start(card_edit_seconds=STORM_EDIT_SECONDS)
    mo = world.d_user("mo")
    _, body = await world.d_slash(
        "ask", {"question": "Wen will the pilot line strat?"}, user=world.dana
    )
    a = question_number(body["data"]["content"])
    answer = await world.s_command("/ask When does the pilot line begin?", "U0CAL", S_HALL)
    c = question_number(slack_text(answer["blocks"]))
    for qid in (a, c):
        await world.d_slash("qa", {"action": "approve", "id": qid}, user=mo, roles=[D_MOD_ROLE])
    await world.settle()
    d_card, s_card = world.d_post(D_HALL, f"Question #{a}"), world.s_post(S_HALL, f"Question #{a}")
    d_c, s_c = world.d_post(D_HALL, f"Question #{c}"), world.s_post(S_HALL, f"Question #{c}")
    d_before, s_before = card_edits(world, d_card, s_card)
    c_before = card_edits(world, d_c, s_c)

    loop = asyncio.get_running_loop()
    began = loop.time()
    _, edited = await world.d_slash(
        "qa-edit", {"id": a, "text": "When will the pilot line start?"}, user=mo, roles=[D_MOD_ROLE]
    )
    assert f"Question #{a} now reads: When will the pilot line start?" in edited["data"]["content"]
    said = await world.s_command(
        f"/qa-translate {a} ko 시범 라인은 언제 시작합니까?", S_MOD, S_MODS
    )
    assert "KO · 시범 라인은 언제 시작합니까?" in slack_text(said["blocks"])
    await asyncio.gather(
        *(
            world.d_press(d_card["id"], f"qa.vote|{a}", user=world.d_user(f"v{i}"))
            for i in range(3)
        ),
        *(world.s_press(s_card, "qa.vote#0", str(a), f"U0V{i}") for i in range(2)),
    )
    await world.s_command(f"/qa-merge {c} {a}", S_MOD, S_MODS)
    burst = loop.time() - began

    final = "▲ 5 votes"
    d_last = await world.discord.wait_for(
        lambda r: (
            r.route == D_EDIT
            and r.params["message_id"] == d_card["id"]
            and final in discord_text(r.json)
            and "시범" in discord_text(r.json)
        )
    )
    s_last = await world.slack.wait_for(
        lambda call: (
            call.method == "chat.update"
            and call.body.get("ts") == s_card.ts
            and final in slack_text(call.body["blocks"])
            and "시범" in slack_text(call.body["blocks"])
        )
    )
    await world.runtime.qa_notices.cards.idle()
    most = min(2 + int(burst / STORM_EDIT_SECONDS), 4)
    d_edits = world.d_requests(D_EDIT, d_card["id"])[d_before:]
    s_edits = world.s_updates(s_card.ts)[s_before:]
    assert 1 <= len(d_edits) <= most and 1 <= len(s_edits) <= most, (
        len(d_edits),
        len(s_edits),
        burst,
    )
    assert d_edits[-1] is d_last and s_edits[-1] is s_last
    for text in (discord_text(d_last.json), slack_text(s_last.body["blocks"])):
        lines = text.splitlines()
        # The event's language (English) first, marked edited; Korean beneath, marked.
        assert any(
            line.startswith("When will the pilot line start? (edited) / (수정됨)") for line in lines
        ), text
        assert any("KO · 시범 라인은 언제 시작합니까?" in line for line in lines), text
        assert "Wen will" not in text
    # The merged question's card: one edit on each platform.
    assert card_edits(world, d_c, s_c) == (c_before[0] + 1, c_before[1] + 1)
    for text in shown(world, d_c, s_c):
        assert f"Merged into question #{a}" in text
    # The moderators' notice keeps the text as asked.
    notice = discord_text(world.discord.messages[world.d_post(D_MODS, f"#{a}")["id"]])
    assert "As asked / 원래 질문: Wen will the pilot line strat?" in notice
    assert "KO · 시범 라인은 언제 시작합니까?" in notice


async def test_the_notice_s_edit_merge_and_translate_buttons_on_both_platforms(
    start: Start, fake_deepl: FakeDeepL
) -> None:
    """With DeepL set up (its real client against the fake), the notice offers Translate
    too. Edit on Discord opens a modal filled in and saves text and translation; Translate
    on Slack gives the machine's; Merge on Slack opens a modal asking into which."""

    async def with_deepl(core: Core) -> None:
        core.qa.machine = DeepL(fake_deepl.auth_key, server_url=fake_deepl.server_url, timeout=5)

    world = await start(prepare=with_deepl)
    mo = world.d_user("mo")
    _, body = await world.d_slash(
        "ask", {"question": "Do solid electrolytes crack in the cold?"}, user=world.dana
    )
    a = question_number(body["data"]["content"])
    answer = await world.s_command(
        "/ask Do cold winters crack solid electrolytes?", "U0BEA", S_HALL, "bea"
    )
    b = question_number(slack_text(answer["blocks"]))
    await world.settle()
    d_notice = world.d_post(D_MODS, f"New question #{a}")
    assert discord_buttons(d_notice) == [f"{x}|{a}" for x in (*BUTTONS, *REVISING, "qa.translate")]
    for qid in (a, b):
        await world.d_slash("qa", {"action": "approve", "id": qid}, user=mo, roles=[D_MOD_ROLE])
    await world.settle()

    # Edit on Discord: a modal with the text and the Korean translation's field.
    pending = await world.discord.send_button(
        d_notice["id"], f"qa.edit|{a}", user=mo, roles=[D_MOD_ROLE]
    )
    callback = (await pending).json
    assert callback["type"] == 9
    assert callback["data"]["custom_id"].startswith(f"qa.edit_save|{a}:text=")
    text_input, korean = (row["components"][0] for row in callback["data"]["components"])
    assert text_input["value"] == "Do solid electrolytes crack in the cold?"
    assert korean["custom_id"] == "text_ko" and korean["required"] is False
    submitted = await world.discord.submit_modal(
        pending,
        {
            "text": "Do solid electrolytes crack below zero?",
            "text_ko": "고체 전해질은 영하에서 깨집니까?",
        },
    )
    saved = (await submitted).json
    assert saved["data"]["flags"] & 64
    assert (
        f"Question #{a} now reads: Do solid electrolytes crack below zero?"
        in saved["data"]["content"]
    )
    await world.settle()
    d_a, s_a = world.d_post(D_HALL, f"Question #{a}"), world.s_post(S_HALL, f"Question #{a}")
    for text in shown(world, d_a, s_a):
        assert (
            "crack below zero? (edited)" in text and "KO · 고체 전해질은 영하에서 깨집니까?" in text
        )

    # Translate on Slack: the machine's Korean, marked, on both platforms' cards.
    s_notice = world.s_post(S_MODS, f"New question #{b}")
    (translate,) = [x for x, _ in slack_buttons(s_notice.blocks) if x.startswith("qa.translate#")]
    _, said = await world.s_press(s_notice, translate, str(b), S_MOD)
    assert (
        "KO · [KO] Do cold winters crack solid electrolytes? (machine translation)"
        in slack_text(said.body["blocks"])
    )
    await world.settle()
    d_b, s_b = world.d_post(D_HALL, f"Question #{b}"), world.s_post(S_HALL, f"Question #{b}")
    for text in shown(world, d_b, s_b):
        assert (
            "KO · [KO] Do cold winters crack solid electrolytes? "
            "(machine translation) / (기계 번역)" in text
        )

    # Merge on Slack: a modal asking into which question.
    s_notice = world.s_post(S_MODS, f"New question #{b}")
    (merge,) = [x for x, _ in slack_buttons(s_notice.blocks) if x.startswith("qa.merge#")]
    resp = await world.slack.send_action(
        world.slack_url, merge, str(b), user_id=S_MOD, channel_id=S_MODS, message_ts=s_notice.ts
    )
    assert resp.status == 200
    view = (await world.slack.wait_for("views.open")).response["view"]
    assert [block["block_id"] for block in view["blocks"]] == ["into"]
    refused = (await world.slack.submit_view(world.slack_url, view["id"], {"into": str(b)})).json()
    assert refused["response_action"] == "errors"
    assert "cannot be merged into itself" in refused["errors"]["into"]
    merged = (await world.slack.submit_view(world.slack_url, view["id"], {"into": f"#{a}"})).json()
    assert merged["response_action"] == "update"
    assert f"Question #{b} is merged into #{a}" in json.dumps(merged["view"]["blocks"])
    await world.settle()
    for text in shown(world, d_b, s_b):
        assert f"Merged into question #{a}" in text
    s_notice = world.s_post(S_MODS, f"New question #{b}")
    assert slack_buttons(s_notice.blocks) == []
    dms = [m for m in world.slack.messages if m.channel.startswith("D")]
    assert len(dms) == 1 and f"merged it into #{a}" in slack_text(dms[0].blocks) + dms[0].text
    await world.core.qa.close()


async def test_discord_s_translate_button_outlasting_the_deadline_is_deferred_then_told(
    start: Start,
) -> None:
    """A provider slower than Discord's 3 s for a first answer: the press is deferred in
    time ("thinking", for the moderator alone) and the outcome follows when it comes."""
    asked = "Do solid electrolytes crack in the cold?"
    machine = FakeTranslator({asked: {"ko": "고체 전해질은 추위에 깨집니까?"}})
    machine.gate = asyncio.Event()  # the provider answers once the test says so

    async def slow(core: Core) -> None:
        core.qa.machine = machine

    world = await start(prepare=slow)
    mo = world.d_user("mo")
    _, body = await world.d_slash("ask", {"question": asked}, user=world.dana)
    a = question_number(body["data"]["content"])
    await world.settle()
    world.discord.response_deadline = 0.5  # Discord's 3 s, shortened for the test
    object.__setattr__(world.on.discord_adapter.settings, "defer_after", 0.1)
    notice = world.d_post(D_MODS, f"New question #{a}")
    pending = await world.discord.send_button(
        notice["id"], f"qa.translate|{a}", user=mo, roles=[D_MOD_ROLE]
    )
    deferred = await pending
    assert deferred.status < 300, deferred.response
    assert deferred.json == {"type": 5, "data": {"flags": 64}}  # "thinking", for mo alone
    await pending.wait_expired()  # the provider is still working
    assert [(text, lang) for text, lang, _ in machine.asked] == [(asked, "ko")]
    assert not world.d_requests("POST /webhooks/{webhook_id}/{webhook_token}")
    machine.gate.set()
    told = await world.discord.wait_for(lambda r: r.route.startswith("POST /webhooks"))
    assert told.status < 300, told.response
    assert told.json["flags"] & 64
    assert told.json["content"] == (
        f"Question #{a} has its translation: "
        "KO · 고체 전해질은 추위에 깨집니까? (machine translation)"
    )
    assert len(pending.callbacks) == 1  # the defer; the outcome came as its follow-up
    await world.core.qa.close()
