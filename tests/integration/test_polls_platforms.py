"""Live polls end to end on Discord, Slack and the terminal at once: the real discord.py
and slack-bolt clients against the fakes on 127.0.0.1, the terminal adapter, one core and
one Runtime (outbox, senders, coalesced card edits, the planner), under a stopped
simulated clock at 12:50 KST on 5 February 2026 (the dialogue starts at 13:00).

A poll made on Slack is voted on from Discord, Slack and the terminal, and every card
shows the same counts; a vote changes; multiple choice toggles; a poll closes by hand and
after its minutes (the planner, on the simulated clock), opens at its session's start,
hides its results until it closes; it is exported; every bad input is refused, in the
asker's language, with nothing stored."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.app import build_core
from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import Role
from bot.platforms.console.adapter import ConsoleAdapter
from bot.settings import EventConfig
from bot.storage import Store
from tests.fakes.discord_payloads import (
    MAX_BUTTON_LABEL,
    DiscordError,
    check_message,
    iter_components,
)
from tests.fakes.slack_server import MAX_BUTTON_TEXT, Message, block_fits
from tests.fakes.world import tick
from tests.integration.test_qa_platforms import (
    D_EDIT,
    D_HALL,
    D_MESSAGES,
    D_MOD_ROLE,
    D_MODS,
    S_HALL,
    S_MOD,
    S_MODS,
    World,
    discord_buttons,
    discord_text,
    slack_buttons,
    slack_text,
    the_hall,
)

BEFORE_DIALOGUE = datetime.fromisoformat("2026-02-05T12:50:00+09:00")
DIALOGUE_STARTS = datetime.fromisoformat("2026-02-05T13:00:00+09:00")
CARD_EDIT_SECONDS = 0.2
QUESTION = "Which next-generation battery reaches mass production first?"
QUESTION_KO = "어떤 차세대 배터리가 가장 먼저 양산될까요?"
OPTIONS = "All-solid-state | Sodium-ion | Lithium-sulfur | Lithium-metal"
OPTIONS_KO = "전고체 | 나트륨 이온 | 리튬황 | 리튬 금속"
LABELS = [
    "1. All-solid-state / 전고체",
    "2. Sodium-ion / 나트륨 이온",
    "3. Lithium-sulfur / 리튬황",
    "4. Lithium-metal / 리튬 금속",
]
CREATE = (
    f'/poll create question:"{QUESTION}" ko:"{QUESTION_KO}" options:"{OPTIONS}" '
    f'options_ko:"{OPTIONS_KO}" session:dialogue'
)
# An option's line on a card: "1. All-solid-state / 전고체 · ███░░░░░░░ 3 votes / 3표 (50%)"
# (Discord escapes the "1." that starts a line).
COUNT = re.compile(r"^\\?(\d+)\. .*? · [█░]{10} (\d+) votes?", re.MULTILINE)


def is_card(title: str, poll: int) -> bool:
    """Whether a title is a poll's card (not its result)."""
    return re.match(rf"Poll #{poll}( \(closed\))? / ", title) is not None


def counts(text: str) -> dict[int, int]:
    """The count of each option a card shows."""
    return {int(n): int(votes) for n, votes in COUNT.findall(text)}


class PollWorld(World):
    """The Q&A tests' world, waiting for the polls' card edits too."""

    folder: Path = Path()  # where its terminals save files

    async def settle(self) -> None:
        await super().settle()
        await self.runtime.poll_notices.cards.idle()

    def d_card(self, poll: int) -> dict[str, Any]:
        """The poll's card in the grand hall's Discord channel, as it stands now."""
        (card,) = [
            m
            for m in self.discord.channel_messages(D_HALL)
            if any(is_card(e.get("title", ""), poll) for e in m.get("embeds") or [])
        ]
        return self.discord.messages[card["id"]]

    def s_card(self, poll: int) -> Message:
        """The poll's card in the grand hall's Slack channel, as it stands now."""
        (card,) = [
            m
            for m in self.slack.messages_in(S_HALL)
            if any(
                b["type"] == "header" and is_card(b["text"]["text"], poll) for b in m.blocks or []
            )
        ]
        now = self.slack.message(S_HALL, card.ts)
        assert now is not None
        return now

    async def d_vote(self, poll: int, option: int, user: dict[str, Any]) -> str:
        body = await self.d_press(self.d_card(poll)["id"], f"poll.vote|{poll}:{option}", user=user)
        assert body["data"]["flags"] & 64  # to the voter alone
        return str(body["data"]["content"])

    async def s_vote(self, poll: int, option: int, user_id: str) -> str:
        card = self.s_card(poll)
        _, said = await self.s_press(card, f"poll.vote#{option - 1}", f"{poll}:{option}", user_id)
        assert said.body["response_type"] == "ephemeral"
        return slack_text(said.body["blocks"])


def terminal_of(core: Core, role: Role, folder: Path) -> ConsoleAdapter:
    """A terminal on the bot's core (not started: lines go in by `handle`), saving
    files in `folder`."""
    return ConsoleAdapter(core, role=role, stdin=io.StringIO(), stdout=io.StringIO(), folder=folder)


Start = Callable[..., Awaitable[tuple[PollWorld, SimulatedClock, ConsoleAdapter]]]


@pytest_asyncio.fixture
async def start(
    monkeypatch: pytest.MonkeyPatch, event_config: EventConfig, store: Store, tmp_path: Path
) -> AsyncIterator[Start]:
    """The bot on both fakes (the sample event's channels, as the Q&A tests have them)
    and a terminal on the same core; everything stops after the test."""

    async with contextlib.AsyncExitStack() as stack:

        async def go(
            card_edit_seconds: float = CARD_EDIT_SECONDS,
        ) -> tuple[PollWorld, SimulatedClock, ConsoleAdapter]:
            qa = event_config.qa.model_copy(update={"card_edit_seconds": card_edit_seconds})
            config = event_config.model_copy(update={"qa": qa})
            clock = SimulatedClock(BEFORE_DIALOGUE, speed=0)
            core = await build_core(config, store, clock)
            on = await stack.enter_async_context(the_hall(monkeypatch, core, config))
            world = PollWorld(on, on.discord.add_user("dana"))
            world.folder = tmp_path
            await world.settle()
            terminal = terminal_of(core, Role.PARTICIPANT, tmp_path)
            return world, clock, terminal

        yield go


async def test_made_on_slack_voted_from_discord_slack_and_the_terminal_counts_agree(
    start: Start,
) -> None:
    world, _, terminal = await start()
    core = world.core

    # A Slack moderator makes the poll in the moderators' channel: told alone.
    made = await world.s_command(CREATE, S_MOD, channel_id=S_MODS)
    assert made["response_type"] == "ephemeral"
    assert "Poll #1 is open" in slack_text(made["blocks"])

    # Its card is in the dialogue's room on both platforms: the question in both
    # languages, a button per option labelled in both.
    await world.settle()
    d_card, s_card = world.d_card(1), world.s_card(1)
    for said in (discord_text(d_card), slack_text(s_card.blocks)):
        assert QUESTION in said and QUESTION_KO in said
        assert "0 people voted" in said and counts(said) == {1: 0, 2: 0, 3: 0, 4: 0}
    assert discord_buttons(d_card) == [f"poll.vote|1:{n}" for n in range(1, 5)]
    assert [c["label"] for c in iter_components(d_card["components"]) if "label" in c] == LABELS
    assert slack_buttons(s_card.blocks) == [(f"poll.vote#{n - 1}", f"1:{n}") for n in range(1, 5)]
    assert not world.d_posts(D_MODS, "Poll #1") and not world.s_posts(S_MODS, "Poll #1")

    # Votes: two on Discord, two on Slack, one typed in the terminal.
    d1, d2, d3 = world.d_user("d1"), world.d_user("d2"), world.d_user("d3")
    assert "Your vote in poll #1: 1. All-solid-state." in await world.d_vote(1, 1, d1)
    await world.d_vote(1, 1, d2)
    await world.d_vote(1, 2, d3)
    assert "Your vote in poll #1: 1. All-solid-state." in await world.s_vote(1, 1, "U0SLACKA")
    await world.s_vote(1, 3, "U0SLACKB")
    typed = await terminal.handle("/poll vote 1 2")
    assert not typed.error and "Your vote in poll #1: 2. Sodium-ion." in str(typed.text)

    # A changed vote: d3 from Sodium-ion to Lithium-metal; the same press again is no vote.
    assert "is now 4. Lithium-metal" in await world.d_vote(1, 4, d3)
    assert "You already voted 4. Lithium-metal" in await world.d_vote(1, 4, d3)

    # Every card agrees, with the store and the live state a page would show.
    await world.settle()
    expected = {1: 3, 2: 1, 3: 1, 4: 1}
    d_card, s_card = world.d_card(1), world.s_card(1)
    assert counts(discord_text(d_card)) == expected
    assert counts(slack_text(s_card.blocks)) == expected
    assert "6 people voted" in discord_text(d_card) and "6 people voted" in slack_text(
        s_card.blocks
    )
    state = await core.polls.snapshot(1)
    assert {o["position"]: o["votes"] for o in state["options"]} == expected
    assert state["voters"] == 6
    # On the card the platform stores, and in the edit that put it there.
    edits = [r for r in world.d_requests(D_EDIT) if r.params["message_id"] == d_card["id"]]
    assert edits and counts(discord_text(edits[-1].json)) == expected
    assert all(r.json["allowed_mentions"] == {"parse": []} for r in world.d_requests(D_MESSAGES))

    # A Discord moderator closes it: the cards lose their buttons and show every count,
    # and the result goes up beside them.
    mo = world.d_user("mo")
    _, closed = await world.d_slash(
        "poll", {"action": "close", "poll": 1}, user=mo, roles=[D_MOD_ROLE]
    )
    assert "Poll #1 is closed: 6 people voted." in closed["data"]["content"]
    await world.settle()
    d_card, s_card = world.d_card(1), world.s_card(1)
    assert "Poll #1 (closed)" in discord_text(d_card) and discord_buttons(d_card) == []
    assert "Poll #1 (closed)" in slack_text(s_card.blocks) and slack_buttons(s_card.blocks) == []
    assert counts(discord_text(d_card)) == counts(slack_text(s_card.blocks)) == expected
    for result in (
        discord_text(world.d_post(D_HALL, "Poll #1: results")),
        slack_text(world.s_post(S_HALL, "Poll #1: results").blocks),
    ):
        assert counts(result) == expected
        assert "Most votes: 1. All-solid-state / 전고체" in result
    late = await terminal.handle("/poll vote 1 2")
    assert late.error and "Poll #1 is closed" in str(late.text)
    assert (await core.polls.get(1)).voters == 6


async def test_multiple_choice_hidden_until_it_closes_after_its_minutes(start: Start) -> None:
    world, clock, _ = await start()
    mo = world.d_user("mo")
    # Made on Discord with its typed options.
    _, made = await world.d_slash(
        "poll",
        {
            "action": "create",
            "question": QUESTION,
            "options": OPTIONS,
            "session": "dialogue",
            "multiple": True,
            "hidden": True,
            "minutes": 5,
        },
        user=mo,
        roles=[D_MOD_ROLE],
    )
    assert "Poll #1 is open" in made["data"]["content"]
    assert "It closes 5 min after it opens." in made["data"]["content"]

    # Toggling on both platforms.
    dana = world.dana
    await world.settle()
    assert "Added 1. All-solid-state" in await world.d_vote(1, 1, dana)
    assert "Your choices: 1. All-solid-state, 2. Sodium-ion" in await world.d_vote(1, 2, dana)
    assert "Took 1. All-solid-state off" in await world.d_vote(1, 1, dana)
    await world.s_vote(1, 2, "U0SLACKA")
    await world.s_vote(1, 4, "U0SLACKA")

    # Hidden: no counts anywhere, but how many voted.
    await world.settle()
    for said in (discord_text(world.d_card(1)), slack_text(world.s_card(1).blocks)):
        assert "Results when the poll closes" in said and counts(said) == {}
        assert "2 people voted" in said
        assert "Closes at" in said and "Choose as many as you like" in said
    assert (await world.core.polls.snapshot(1))["votes"] is None

    # Five minutes on, the planner closes it: every count shows, and the result is posted.
    await tick(world.runtime, clock, BEFORE_DIALOGUE + timedelta(minutes=5))
    await world.settle()
    assert (await world.core.polls.get(1)).status == "closed"
    expected = {1: 0, 2: 2, 3: 0, 4: 1}
    assert counts(discord_text(world.d_card(1))) == expected
    assert counts(slack_text(world.s_card(1).blocks)) == expected
    result = slack_text(world.s_post(S_HALL, "Poll #1: results").blocks)
    assert counts(result) == expected and "Most votes: 2. Sodium-ion" in result


async def test_a_poll_opens_at_its_sessions_start(start: Start) -> None:
    world, clock, terminal = await start()
    made = await world.s_command(CREATE + " open:start", S_MOD, channel_id=S_MODS)
    said = slack_text(made["blocks"])
    assert "Poll #1 is ready: it opens when International Forum: Dialogue" in said
    early = await terminal.handle("/poll vote 1 1")
    assert early.error and "Poll #1 is not open yet." in str(early.text)
    await world.settle()
    assert not world.d_posts(D_HALL, "Poll #") and not world.s_posts(S_HALL, "Poll #")

    await tick(world.runtime, clock, DIALOGUE_STARTS)
    await world.settle()
    assert (await world.core.polls.get(1)).status == "open"
    assert discord_buttons(world.d_card(1)) == [f"poll.vote|1:{n}" for n in range(1, 5)]
    assert len(slack_buttons(world.s_card(1).blocks)) == 4
    assert "Your vote" in await world.s_vote(1, 3, "U0SLACKA")


async def test_a_vote_storm_edits_each_card_a_few_times_with_the_exact_count(
    start: Start,
) -> None:
    world, _, _ = await start(card_edit_seconds=0.5)
    await world.s_command(CREATE, S_MOD, channel_id=S_MODS)
    await world.settle()
    d_id = world.d_card(1)["id"]
    s_ts = world.s_card(1).ts
    d_voters = [world.d_user(f"storm{i}") for i in range(15)]
    s_voters = [f"U0STORM{i:02d}" for i in range(15)]
    loop = asyncio.get_running_loop()
    began = loop.time()
    await asyncio.gather(
        *(world.d_vote(1, 1 + i % 4, u) for i, u in enumerate(d_voters)),
        *(world.s_vote(1, 1 + i % 2, u) for i, u in enumerate(s_voters)),
    )
    storm = loop.time() - began
    await world.settle()
    expected = {1: 4 + 8, 2: 4 + 7, 3: 4, 4: 3}
    assert counts(discord_text(world.d_card(1))) == expected
    assert counts(slack_text(world.s_card(1).blocks)) == expected
    most = 2 + int(storm / 0.5)
    d_edits = [r for r in world.d_requests(D_EDIT) if r.params["message_id"] == d_id]
    s_edits = world.s_updates(s_ts)
    assert 1 <= len(d_edits) <= most and 1 <= len(s_edits) <= most, (len(d_edits), storm)
    assert counts(discord_text(d_edits[-1].json)) == expected


@pytest.mark.parametrize(
    ("options", "english", "korean"),
    [
        ({"options": "A | a"}, "Options 1 and 2 are the same", "같습니다"),
        ({"options": "Only"}, "at least 2 options", "2개 이상"),
        ({"options": " | ".join("abcdefghijk")}, "at most 10 options", "10개까지"),
        ({"options": "x" * 80 + " | B"}, "a button holds 75", "75자까지"),
        ({"options": "A |  | C"}, "Option 2 is empty", "2번 항목이 비어"),
    ],
)
async def test_bad_polls_are_refused_on_both_platforms_in_each_language(
    start: Start, options: dict[str, str], english: str, korean: str
) -> None:
    world, _, _ = await start()
    ko_mod = world.d_user("minji")
    _, refused = await world.d_slash(
        "poll",
        {"action": "create", "question": "Q?", **options},
        user=ko_mod,
        roles=[D_MOD_ROLE],
        locale="ko",
    )
    assert korean in refused["data"]["content"] and refused["data"]["flags"] & 64
    line = f'/poll create question:"Q?" options:"{options["options"]}"'
    said = await world.s_command(line, S_MOD, channel_id=S_MODS)
    assert english in slack_text(said["blocks"]) and said["response_type"] == "ephemeral"
    assert await world.core.polls.listing() == []
    await world.settle()
    assert not world.d_posts(D_HALL, "Poll #") and not world.s_posts(S_HALL, "Poll #")


async def test_participants_cannot_run_polls_and_unknown_polls_are_said(start: Start) -> None:
    world, _, terminal = await start()
    _, refused = await world.d_slash(
        "poll",
        {"action": "create", "question": "Q?", "options": "A | B"},
        user=world.dana,
        locale="ko",
    )
    assert "투표 만들기은(는) 진행자와 주최 측만" in refused["data"]["content"]
    said = await world.s_command('/poll create question:"Q?" options:"A | B"', "U0PART", S_HALL)
    assert "Only moderators and organisers can create a poll." in slack_text(said["blocks"])
    unknown = await world.s_command("/poll vote 7 1", "U0PART", S_HALL)
    assert "There is no poll #7." in slack_text(unknown["blocks"])
    assert (await terminal.handle("/poll close 7")).error
    assert await world.core.polls.listing() == []


async def test_export_from_discord_and_the_terminal(start: Start) -> None:
    world, _, terminal = await start()
    await world.s_command(CREATE, S_MOD, channel_id=S_MODS)
    await world.settle()
    await world.s_vote(1, 3, "U0SLACKA")
    mo = world.d_user("mo")
    _, body = await world.d_slash("poll-export", {"poll": 1}, user=mo, roles=[D_MOD_ROLE])
    upload = next(r for r in world.discord.requests if r.files)
    assert upload.files[0].filename == "poll-1.csv"
    rows = list(csv.reader(io.StringIO(upload.files[0].data.decode("utf-8-sig"))))
    assert [r[12] for r in rows[1:]] == [
        "All-solid-state",
        "Sodium-ion",
        "Lithium-sulfur",
        "Lithium-metal",
    ]
    assert [r[14] for r in rows[1:]] == ["0", "0", "1", "0"]
    assert "1 poll as CSV" in str(body)
    # The terminal, as a moderator, with every poll.
    moderator = terminal_of(world.core, Role.MODERATOR, world.folder)
    every = await moderator.handle("/poll export")
    assert every.file is not None and every.file.filename == "polls.csv"
    assert (await terminal.handle("/poll export")).error  # a participant's terminal


def test_the_fakes_refuse_buttons_longer_than_the_platforms_allow() -> None:
    """What the polls' label limit rests on: Slack's button text is 75 characters at
    most, Discord's label 80 (the fakes refuse more, as the platforms do)."""

    def slack(label: str) -> bool:
        element = {
            "type": "button",
            "text": {"type": "plain_text", "text": label},
            "action_id": "a",
        }
        return block_fits({"type": "actions", "elements": [element]})

    assert slack("x" * MAX_BUTTON_TEXT) and not slack("x" * (MAX_BUTTON_TEXT + 1))

    def discord(label: str) -> dict[str, Any]:
        button = {"type": 2, "style": 1, "label": label, "custom_id": "a"}
        return {"content": "x", "components": [{"type": 1, "components": [button]}]}

    check_message(discord("x" * MAX_BUTTON_LABEL))
    with pytest.raises(DiscordError):
        check_message(discord("x" * (MAX_BUTTON_LABEL + 1)))


async def test_typed_pings_and_markup_show_as_typed_on_both_platforms(start: Start) -> None:
    world, _, _ = await start()
    line = (
        '/poll create question:"@everyone <!channel> *now* [x](https://evil.example)" '
        'options:"@here | <@U0MODMIA> | `code`" session:dialogue'
    )
    made = await world.s_command(line, S_MOD, channel_id=S_MODS)
    assert "Poll #1 is open" in slack_text(made["blocks"])
    await world.settle()
    d_text = discord_text(world.d_card(1))
    assert "@\u200beveryone" in d_text and "@everyone" not in d_text
    assert "\\[x\\]" in d_text and "\\*now\\*" in d_text
    s_text = slack_text(world.s_card(1).blocks)
    assert "&lt;!channel&gt;" in s_text and "<!channel>" not in s_text
    assert "&lt;@U0MODMIA&gt;" in s_text and "*\u200bnow*\u200b" in s_text
    assert all(r.json["allowed_mentions"] == {"parse": []} for r in world.d_requests(D_MESSAGES))
    # Buttons are plain text on both platforms: their labels stay as typed.
    s_labels = [
        e["text"] for b in world.s_card(1).blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert [t["type"] for t in s_labels] == ["plain_text"] * 3
    assert s_labels[1]["text"] == "2. <@U0MODMIA>"
